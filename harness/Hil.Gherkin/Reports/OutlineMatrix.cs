using System.Globalization;
using System.Text;
using Hil.Gherkin.Model;
using Hil.Gherkin.Runtime;

namespace Hil.Gherkin.Reports;

/// <summary>
/// Each Scenario Outline that ran as a grid: a row per Examples row (its values), a cell with its verdict (the protocol
/// matrix: firmware protocol version × result). Repeated runs of a row share its cell ("3 of 20 failed").
/// </summary>
internal static class OutlineMatrix
{
    public static void Append(StringBuilder html, IReadOnlyList<ScenarioResult> results)
    {
        var outlines = results.Where(r => r.Scenario.Outline is not null)
            .GroupBy(r => (r.Scenario.Feature.FilePath, r.Scenario.Outline!.Line))
            .Where(g => g.Any(r => r.Status != ScenarioStatus.Skipped || r.Steps.Any(s => s.Error is not null)))
            .ToArray();
        if (outlines.Length == 0) return;
        html.Append("<section id=\"matrices\"><h2>Matrices</h2>\n");
        foreach (var outline in outlines)
        {
            ScenarioCase first = outline.First().Scenario;
            IReadOnlyList<string> columns = first.Outline!.Columns;
            html.Append("<h3>").Append(Html.E(first.Feature.Title)).Append(": ").Append(Html.E(first.Outline.Name)).Append(" <span class=\"where\">")
                .Append(Html.E($"{first.Feature.FilePath}:{first.Outline.Line}")).Append("</span></h3>\n<table class=\"matrix\"><tr>");
            foreach (string column in columns) html.Append("<th>").Append(Html.E(column)).Append("</th>");
            html.Append("<th>result</th></tr>\n");
            var rows = outline.GroupBy(r => string.Join("\u001f", columns.Select(c => r.Scenario.ExampleValues.GetValueOrDefault(c, ""))))
                .OrderBy(g => g.Key, RowOrder.Instance);
            foreach (var row in rows)
            {
                ScenarioCase example = row.First().Scenario;
                html.Append("<tr>");
                foreach (string column in columns) html.Append("<td>").Append(Html.E(example.ExampleValues.GetValueOrDefault(column, ""))).Append("</td>");
                ScenarioResult[] runs = row.ToArray();
                ScenarioStatus verdict = runs.Any(r => r.Status == ScenarioStatus.Failed) ? ScenarioStatus.Failed
                    : runs.All(r => r.Status == ScenarioStatus.Skipped) ? ScenarioStatus.Skipped : ScenarioStatus.Passed;
                html.Append("<td class=\"cell ").Append(Html.Css(verdict)).Append("\" title=\"").Append(Html.E(example.Location)).Append("\">")
                    .Append(Verdict(verdict, runs)).Append("</td></tr>\n");
            }
            html.Append("</table>\n");
        }
        html.Append("</section>\n");
    }

    private static string Verdict(ScenarioStatus verdict, ScenarioResult[] runs)
    {
        string word = Html.Css(verdict);
        if (runs.Length == 1) return word;
        int count = runs.Count(r => r.Status == verdict);
        return $"{word} ({count} of {runs.Length})";
    }

    // Rows in the order a reader expects: by each value, numerically where both are numbers (v2 before v10).
    private sealed class RowOrder : IComparer<string>
    {
        public static readonly RowOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            string[] a = (x ?? "").Split('\u001f'), b = (y ?? "").Split('\u001f');
            for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                int order = double.TryParse(a[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double p)
                            && double.TryParse(b[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double q)
                    ? p.CompareTo(q) : string.CompareOrdinal(a[i], b[i]);
                if (order != 0) return order;
            }
            return a.Length.CompareTo(b.Length);
        }
    }
}
