namespace Hil.Cli.Benchmarks;

/// <summary>Order statistics of a set of measurements.</summary>
internal sealed record Statistics(double Median, double P90, double Min, double Max, int Count)
{
    public static Statistics Of(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("no samples", nameof(samples));
        double[] sorted = samples.Order().ToArray();
        return new Statistics(Percentile(sorted, 50), Percentile(sorted, 90), sorted[0], sorted[^1], sorted.Length);
    }

    /// <summary>Linear interpolation between closest ranks.</summary>
    public static double Percentile(double[] sorted, double percent)
    {
        double rank = percent / 100 * (sorted.Length - 1);
        int low = (int)Math.Floor(rank);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }
}
