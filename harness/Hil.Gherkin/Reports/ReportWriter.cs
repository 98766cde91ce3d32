using Hil.Gherkin.Runtime;

namespace Hil.Gherkin.Reports;

/// <summary>Writes junit.xml, cucumber.json and index.html into a report folder.</summary>
public static class ReportWriter
{
    public static async Task WriteAsync(string directory, IReadOnlyList<ScenarioResult> results, string title, TimeProvider? time = null,
        CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "junit.xml"), JUnitReport.Build(results).ToString(), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "cucumber.json"), CucumberJsonReport.Build(results), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "index.html"),
            HtmlReport.Build(results, title, (time ?? TimeProvider.System).GetUtcNow()), cancellationToken);
    }
}
