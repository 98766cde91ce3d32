using System.Globalization;

namespace Hil.Cli.Benchmarks;

/// <summary>One measured subject, with the goal it is held to (lower is better).</summary>
internal sealed record BenchmarkRow(string Subject, int Runs, Statistics Stats, double? Goal)
{
    public bool MeetsGoal => Goal is null || Stats.Median <= Goal;

    public static string Table(IEnumerable<BenchmarkRow> rows, params string[] columns)
    {
        static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        return MarkdownTable.Render(["target", "runs", .. columns, "goal", "verdict"], rows.Select(row => (IReadOnlyList<string>)
        [
            row.Subject, row.Runs.ToString(CultureInfo.InvariantCulture), F(row.Stats.Median), F(row.Stats.P90), F(row.Stats.Min), F(row.Stats.Max),
            row.Goal is null ? "—" : "≤ " + F(row.Goal.Value), Verdict(row.MeetsGoal),
        ]));
    }

    public static string Verdict(bool meetsGoal) => meetsGoal ? "meets goal" : "MISSES goal";
}
