namespace Hil.Gherkin.Bindings;

/// <summary>One measured value and when it was taken (the x of a time series).</summary>
public readonly record struct Sample(DateTimeOffset At, double Value);

/// <summary>
/// A named series of samples a step measured (the latency of each reading, each command's round trip), published
/// with <see cref="ScenarioContext.Measure"/>; the HTML report draws its distribution and its time series.
/// </summary>
public sealed record Measurement(string Name, string Unit, IReadOnlyList<Sample> Samples)
{
    public IEnumerable<double> Values => Samples.Select(s => s.Value);

    /// <summary>The nearest-rank percentile (p in 0..100) of the samples.</summary>
    public double Percentile(double p) => NearestRank(Values, p);

    /// <summary>The nearest-rank percentile (p in 0..100): the smallest value at least p % of the values do not exceed.</summary>
    public static double NearestRank(IEnumerable<double> values, double p)
    {
        double[] sorted = values.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("no samples", nameof(values));
        int rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
