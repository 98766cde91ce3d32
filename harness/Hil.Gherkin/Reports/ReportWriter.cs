namespace Hil.Gherkin.Reports;

/// <summary>Writes junit.xml, cucumber.json and index.html into a report folder.</summary>
public static class ReportWriter
{
    public static async Task WriteAsync(string directory, ReportRun run, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "junit.xml"), JUnitReport.Build(run.Results).ToString(), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "cucumber.json"), CucumberJsonReport.Build(run.Results), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "index.html"), HtmlReport.Build(run), cancellationToken);
    }
}
