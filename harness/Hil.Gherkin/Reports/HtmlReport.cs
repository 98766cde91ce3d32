using System.Net;
using System.Text;
using Hil.Gherkin.Runtime;

namespace Hil.Gherkin.Reports;

/// <summary>A self-contained HTML page: the summary, every scenario with its steps and timings, and on failure the evidence.</summary>
public static class HtmlReport
{
    public static string Build(IReadOnlyList<ScenarioResult> results, string title, DateTimeOffset generatedAt)
    {
        int passed = results.Count(r => r.Status == ScenarioStatus.Passed);
        int failed = results.Count(r => r.Status == ScenarioStatus.Failed);
        int skipped = results.Count(r => r.Status == ScenarioStatus.Skipped);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}h1{margin-bottom:.2em}.summary span{margin-right:1.5em;font-weight:bold}")
            .Append(".passed{color:#1a7f37}.failed{color:#cf222e}.skipped{color:#777}details{margin:.3em 0;border-left:4px solid #ddd;padding-left:.6em}")
            .Append("details.failed{border-color:#cf222e}details.passed{border-color:#1a7f37}summary{cursor:pointer}table{border-collapse:collapse;margin:.4em 0}")
            .Append("td{padding:1px 8px;font-family:monospace;font-size:90%}pre{background:#f6f8fa;padding:.6em;overflow:auto;font-size:85%}.where{color:#777;font-size:85%}")
            .Append("</style></head><body>\n");
        html.Append("<h1>").Append(E(title)).Append("</h1>\n<p class=\"where\">").Append(E(generatedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'"))).Append("</p>\n");
        html.Append("<p class=\"summary\" id=\"summary\"><span class=\"passed\">").Append(passed).Append(" passed</span><span class=\"failed\">")
            .Append(failed).Append(" failed</span><span class=\"skipped\">").Append(skipped).Append(" skipped</span></p>\n");
        foreach (var feature in results.GroupBy(r => r.Scenario.Feature.FilePath))
        {
            html.Append("<h2>").Append(E(feature.First().Scenario.Feature.Title)).Append(" <span class=\"where\">").Append(E(feature.Key)).Append("</span></h2>\n");
            foreach (ScenarioResult result in feature) AppendScenario(html, result);
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void AppendScenario(StringBuilder html, ScenarioResult result)
    {
        string status = result.Status.ToString().ToLowerInvariant();
        html.Append("<details class=\"scenario ").Append(status).Append('"').Append(result.Status == ScenarioStatus.Failed ? " open" : "").Append("><summary><span class=\"")
            .Append(status).Append("\">").Append(status).Append("</span> ").Append(E(result.Scenario.Name)).Append(" <span class=\"where\">")
            .Append(E(string.Join(" ", result.Scenario.Tags))).Append(" · ").Append(result.Duration.TotalMilliseconds.ToString("0")).Append(" ms · line ")
            .Append(result.Scenario.Line).Append("</span></summary>\n<table>");
        foreach (StepResult step in result.Steps)
        {
            string s = step.Status.ToString().ToLowerInvariant();
            html.Append("<tr><td class=\"").Append(s == "passed" ? "passed" : s == "skipped" ? "skipped" : "failed").Append("\">").Append(s).Append("</td><td>")
                .Append(E(step.Step.ToString())).Append("</td><td class=\"where\">").Append(step.Duration.TotalMilliseconds.ToString("0.0")).Append(" ms</td></tr>");
        }
        html.Append("</table>\n");
        if (result.SkipReason is not null) html.Append("<p class=\"skipped\">").Append(E(result.SkipReason)).Append("</p>\n");
        if (result.FailureMessage is not null) html.Append("<pre class=\"failure\">").Append(E(result.FailureMessage)).Append("</pre>\n");
        html.Append("</details>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
