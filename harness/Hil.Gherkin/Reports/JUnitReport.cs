using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Hil.Gherkin.Runtime;

namespace Hil.Gherkin.Reports;

/// <summary>JUnit XML for CI: a test suite per feature, a test case per scenario, the failure and its evidence (the nodes' transcripts, the broker's messages) as system-out.</summary>
public static class JUnitReport
{
    public static XDocument Build(IReadOnlyList<ScenarioResult> results)
    {
        var suites = new XElement("testsuites",
            new XAttribute("tests", results.Count),
            new XAttribute("failures", results.Count(r => r.Status == ScenarioStatus.Failed)),
            new XAttribute("skipped", results.Count(r => r.Status == ScenarioStatus.Skipped)),
            new XAttribute("time", Seconds(results.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Duration))));
        foreach (var feature in results.GroupBy(r => r.Scenario.Feature.FilePath))
        {
            var suite = new XElement("testsuite",
                new XAttribute("name", feature.First().Scenario.Feature.Title),
                new XAttribute("file", feature.Key),
                new XAttribute("tests", feature.Count()),
                new XAttribute("failures", feature.Count(r => r.Status == ScenarioStatus.Failed)),
                new XAttribute("skipped", feature.Count(r => r.Status == ScenarioStatus.Skipped)),
                new XAttribute("time", Seconds(feature.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Duration))));
            foreach (ScenarioResult result in feature)
            {
                var testCase = new XElement("testcase",
                    new XAttribute("name", result.Scenario.Name),
                    new XAttribute("classname", result.Scenario.Feature.Title),
                    new XAttribute("file", result.Scenario.Feature.FilePath),
                    new XAttribute("line", result.Scenario.Line),
                    new XAttribute("time", Seconds(result.Duration)));
                if (result.Status == ScenarioStatus.Failed)
                {
                    string first = result.FailureMessage?.Split('\n').Skip(1).FirstOrDefault() ?? "failed";
                    testCase.Add(new XElement("failure", new XAttribute("message", Xml(first)), Xml(result.FailureMessage ?? "")));
                    testCase.Add(new XElement("system-out", Xml(string.Join("\n\n", result.Attachments.Select(a => $"--- {a.Name} ---\n{a.Content}")))));
                }
                else if (result.Status == ScenarioStatus.Skipped)
                {
                    testCase.Add(new XElement("skipped", new XAttribute("message", result.SkipReason ?? "skipped")));
                }
                suite.Add(testCase);
            }
            suites.Add(suite);
        }
        return new XDocument(new XDeclaration("1.0", "utf-8", null), suites);
    }

    // A transcript may hold bytes XML 1.0 cannot carry (a terminal escape, a NUL): they are shown as U+FFFD instead of failing the report.
    private static string Xml(string text) =>
        text.Any(c => !XmlConvert.IsXmlChar(c) && !char.IsSurrogate(c)) ? new string(text.Select(c => XmlConvert.IsXmlChar(c) || char.IsSurrogate(c) ? c : '\uFFFD').ToArray()) : text;

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}
