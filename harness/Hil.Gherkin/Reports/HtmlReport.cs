using System.Text;
using Hil.Gherkin.Runtime;

namespace Hil.Gherkin.Reports;

/// <summary>
/// index.html, one self-contained file (no script, no external resource): the summary of the run, the failed scenarios'
/// links, the outline matrices, then every scenario by feature (<see cref="ScenarioSection"/>).
/// </summary>
public static class HtmlReport
{
    private const string Style =
        "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}h1{margin-bottom:.2em}h2{margin-top:1.4em}" +
        ".summary{display:flex;flex-wrap:wrap;gap:.4em 2em;margin:1em 0;padding:.8em 1em;background:#f6f8fa;border-radius:6px}" +
        ".summary div{display:flex;flex-direction:column}.summary dt{font-size:80%;color:#666}.summary dd{margin:0;font-weight:bold;font-size:120%}" +
        ".badge.passed,dd.passed{color:#1a7f37}.badge.failed,.badge.undefined,.badge.ambiguous,dd.failed{color:#cf222e}.badge.skipped,dd.skipped,.skip-reason{color:#777}" +
        ".badge{display:inline-block;min-width:4.5em;font-weight:bold;font-size:85%}" +
        "details.scenario{margin:.3em 0;border-left:4px solid #ddd;padding:.1em .6em}details.scenario.failed{border-color:#cf222e;background:#fff8f8}" +
        "details.scenario.passed{border-color:#1a7f37}summary{cursor:pointer}table{border-collapse:collapse;margin:.4em 0}" +
        "table.steps td{padding:1px 8px;vertical-align:top;font-family:monospace;font-size:90%}tr.step.failed,tr.step.undefined,tr.step.ambiguous{background:#ffebe9}" +
        "td.time{color:#777;text-align:right;white-space:nowrap}table.data td{border:1px solid #ddd}" +
        "pre{background:#f6f8fa;padding:.6em;overflow:auto;font-size:85%;max-height:32em}pre.error,pre.failure{background:#ffebe9;white-space:pre-wrap;overflow-wrap:anywhere}" +
        ".where{color:#777;font-size:85%}table.steps{width:100%}table.steps td:first-child{width:6em}" +
        "table.matrix th,table.matrix td{border:1px solid #ccc;padding:4px 14px;text-align:center}table.matrix th{background:#f6f8fa}" +
        "td.cell{font-weight:bold}td.cell.passed{background:#dafbe1}td.cell.failed{background:#ffcecb}td.cell.skipped{background:#eee}" +
        "figure.measurement{margin:.6em 0}.charts{display:flex;flex-wrap:wrap;gap:1em}svg.chart{background:#fcfcfd;border:1px solid #e4e4e4}" +
        ".bar{fill:#4f7fd9}.bar.overflow{fill:#d9894f}.axis{stroke:#999}.series{fill:none;stroke:#4f7fd9;stroke-width:1}.point{fill:#2d5cb8}" +
        ".marker{stroke:#cf222e;stroke-dasharray:4 3}.label{font-size:11px;fill:#555}.marker-label{fill:#cf222e}" +
        "section.evidence h4{margin:.8em 0 .3em}details.attachment summary{font-family:monospace}ul.failures a{color:#cf222e}";

    public static string Build(ReportRun run)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(Html.E(run.Title))
            .Append("</title>\n<style>").Append(Style).Append("</style></head><body>\n<h1>").Append(Html.E(run.Title)).Append("</h1>\n");
        AppendSummary(html, run);
        var ids = run.Results.Select((r, i) => (r, id: $"scenario-{i + 1}")).ToArray();
        AppendFailures(html, ids.Where(x => x.r.Status == ScenarioStatus.Failed).ToArray());
        OutlineMatrix.Append(html, run.Results);
        html.Append("<section id=\"scenarios\">\n");
        foreach (var feature in ids.GroupBy(x => x.r.Scenario.Feature.FilePath))
        {
            html.Append("<h2>").Append(Html.E(feature.First().r.Scenario.Feature.Title)).Append(" <span class=\"where\">").Append(Html.E(feature.Key)).Append("</span></h2>\n");
            foreach (var (result, id) in feature) ScenarioSection.Append(html, result, id);
        }
        html.Append("</section>\n</body></html>\n");
        return html.ToString();
    }

    private static void AppendSummary(StringBuilder html, ReportRun run)
    {
        html.Append("<dl class=\"summary\" id=\"summary\">");
        Item(html, "passed", run.Passed.ToString(), "passed");
        Item(html, "failed", run.Failed.ToString(), run.Failed > 0 ? "failed" : null);
        Item(html, "skipped", run.Skipped.ToString(), "skipped");
        Item(html, "scenarios", run.Results.Count.ToString(), null);
        Item(html, "duration", Html.Seconds(run.Duration), null);
        Item(html, "target", run.Target, null);
        Item(html, "tags", run.Tags.Length == 0 ? "(all)" : run.Tags, null);
        Item(html, "started", run.StartedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'"), null);
        html.Append("</dl>\n");
    }

    private static void Item(StringBuilder html, string name, string value, string? css) =>
        html.Append("<div id=\"summary-").Append(name).Append("\"><dt>").Append(name).Append("</dt><dd").Append(css is null ? "" : $" class=\"{css}\"")
            .Append('>').Append(Html.E(value)).Append("</dd></div>");

    private static void AppendFailures(StringBuilder html, (ScenarioResult Result, string Id)[] failed)
    {
        if (failed.Length == 0) return;
        html.Append("<section id=\"failures\"><h2>Failed</h2><ul class=\"failures\">");
        foreach (var (result, id) in failed)
        {
            StepResult? step = result.FailedStep;
            html.Append("<li><a href=\"#").Append(id).Append("\">").Append(Html.E(result.Scenario.DisplayName)).Append("</a> <span class=\"where\">")
                .Append(Html.E(step is null ? result.Scenario.Location : $"{step.Step} ({result.Scenario.Feature.FilePath}:{step.Step.Line})"))
                .Append("</span></li>");
        }
        html.Append("</ul></section>\n");
    }
}
