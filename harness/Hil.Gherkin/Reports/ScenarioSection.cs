using System.Text;
using Hil.Gherkin.Bindings;
using Hil.Gherkin.Runtime;

namespace Hil.Gherkin.Reports;

/// <summary>
/// One scenario in the HTML report: its verdict, tags, time and location; each step with its status and time (the failing
/// step with its message and file:line); what its steps measured; on failure the evidence. Failed scenarios and those
/// with measurements are open.
/// </summary>
internal static class ScenarioSection
{
    public static void Append(StringBuilder html, ScenarioResult result, string id)
    {
        string status = Html.Css(result.Status);
        html.Append("<details class=\"scenario ").Append(status).Append("\" id=\"").Append(id).Append('"')
            .Append(result.Status == ScenarioStatus.Failed || result.Measurements.Count > 0 ? " open" : "").Append("><summary><span class=\"badge ").Append(status).Append("\">")
            .Append(status).Append("</span> ").Append(Html.E(result.Scenario.Name)).Append(" <span class=\"where\">")
            .Append(Html.E(string.Join(" ", result.Scenario.Tags))).Append(" · ")
            .Append(result.Status == ScenarioStatus.Skipped ? Html.E(result.SkipReason ?? "skipped") : Html.Milliseconds(result.Duration)).Append(" · ")
            .Append(Html.E(result.Scenario.Location)).Append("</span></summary>\n<table class=\"steps\">");
        foreach (StepResult step in result.Steps) AppendStep(html, result, step);
        html.Append("</table>\n");
        if (result.SkipReason is not null) html.Append("<p class=\"skip-reason\">").Append(Html.E(result.SkipReason)).Append("</p>\n");
        foreach (Measurement measurement in result.Measurements) MeasurementFigure.Append(html, measurement);
        if (result.Status == ScenarioStatus.Failed) EvidenceSection.Append(html, result);
        html.Append("</details>\n");
    }

    private static void AppendStep(StringBuilder html, ScenarioResult result, StepResult step)
    {
        string status = Html.Css(step.Status);
        html.Append("<tr class=\"step ").Append(status).Append("\"><td class=\"badge ").Append(status).Append("\">").Append(status).Append("</td><td>")
            .Append("<b>").Append(Html.E(step.Step.Keyword.Trim())).Append("</b> ").Append(Html.E(step.Step.Text));
        if (step.Step.DocString is not null) html.Append("<pre>").Append(Html.E(step.Step.DocString)).Append("</pre>");
        if (step.Step.Table is { } table)
        {
            html.Append("<table class=\"data\">");
            foreach (IReadOnlyList<string> row in table.Rows.Select(r => r.Cells).Prepend(table.Header))
                html.Append("<tr>").AppendJoin("", row.Select(cell => "<td>" + Html.E(cell) + "</td>")).Append("</tr>");
            html.Append("</table>");
        }
        html.Append("</td><td class=\"time\">").Append(step.Status == StepStatus.Skipped ? "" : Html.Milliseconds(step.Duration)).Append("</td></tr>\n");
        if (step.Error is null || step.Status == StepStatus.Skipped) return;
        html.Append("<tr class=\"step-error\"><td></td><td colspan=\"2\"><div class=\"where\">")
            .Append(Html.E($"{result.Scenario.Feature.FilePath}:{step.Step.Line}{(step.Step.FromBackground ? " (background)" : "")}"))
            .Append(step.Binding is null ? "" : " · " + Html.E(step.Binding)).Append("</div><pre class=\"error\">").Append(Html.E(step.Error.Message))
            .Append("</pre></td></tr>\n");
    }
}
