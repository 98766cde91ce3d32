using System.Text;
using Hil.Gherkin.Bindings;
using Hil.Gherkin.Runtime;

namespace Hil.Gherkin.Reports;

/// <summary>
/// What a failed scenario left behind, whole: the failure message, then each attachment the harness's hooks made
/// (every channel's transcript of its nodes, the MQTT messages the broker saw, the backend's rows) as its own block.
/// </summary>
internal static class EvidenceSection
{
    public static void Append(StringBuilder html, ScenarioResult result)
    {
        // What went wrong without the evidence's tails the message quotes: the evidence follows whole.
        IEnumerable<string> failures = result.Failures.Count > 0 ? result.Failures : [result.FailureMessage ?? "failed"];
        html.Append("<section class=\"evidence\"><h4>Failure</h4>\n<pre class=\"failure\">").Append(Html.E(string.Join("\n", failures))).Append("</pre>\n");
        if (result.Attachments.Count > 0) html.Append("<h4>Evidence</h4>\n");
        foreach (Attachment attachment in result.Attachments)
        {
            int lines = attachment.Content.Length == 0 ? 0 : attachment.Content.TrimEnd('\n').Split('\n').Length;
            html.Append("<details class=\"attachment\" open><summary>").Append(Html.E(attachment.Name)).Append(" <span class=\"where\">")
                .Append(lines).Append(lines == 1 ? " line" : " lines").Append("</span></summary><pre>").Append(Html.E(attachment.Content)).Append("</pre></details>\n");
        }
        html.Append("</section>\n");
    }
}
