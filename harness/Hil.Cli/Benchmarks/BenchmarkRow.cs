using System.Globalization;
using System.Text;

namespace Hil.Cli.Benchmarks;

/// <summary>One measured subject, with the goal it is held to (lower is better).</summary>
internal sealed record BenchmarkRow(string Subject, int Runs, Statistics Stats, double? Goal)
{
    public bool MeetsGoal => Goal is null || Stats.Median <= Goal;

    public static string Table(IEnumerable<BenchmarkRow> rows, params string[] columns)
    {
        var text = new StringBuilder();
        text.AppendLine($"| target | runs | {string.Join(" | ", columns)} | goal | verdict |");
        text.AppendLine($"| --- | --- |{string.Concat(Enumerable.Repeat(" --- |", columns.Length))} --- | --- |");
        foreach (BenchmarkRow row in rows)
        {
            string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
            string goal = row.Goal is null ? "—" : "≤ " + F(row.Goal.Value);
            text.AppendLine($"| {row.Subject} | {row.Runs} | {F(row.Stats.Median)} | {F(row.Stats.P90)} | {F(row.Stats.Min)} | {F(row.Stats.Max)} | {goal} | {(row.MeetsGoal ? "meets goal" : "MISSES goal")} |");
        }
        return text.ToString().TrimEnd();
    }
}
