namespace Hil.Gherkin.Reports;

/// <summary>One bar of a histogram: the values in [From, To) (the last bar includes its To). An overflow bar holds the values above the cut.</summary>
public sealed record HistogramBin(double From, double To, int Count, bool Overflow = false);

/// <summary>Equal-width bins from the smallest to the largest value, or up to a cut with the rest in one overflow bin.</summary>
public static class Histogram
{
    /// <summary>A bin count that suits <paramref name="samples"/> values: about their square root, between 1 and 24.</summary>
    public static int BinCountFor(int samples) => Math.Clamp((int)Math.Ceiling(Math.Sqrt(samples)), 1, 24);

    /// <summary>
    /// Where to cut a long tail so the bulk of the distribution stays readable: at the 99th percentile when the
    /// range beyond it is more than three times the range below it (a few slow outliers), else null (no cut).
    /// </summary>
    public static double? TailCut(IReadOnlyList<double> values)
    {
        if (values.Count < 20) return null;
        double min = values.Min(), max = values.Max(), p99 = Bindings.Measurement.NearestRank(values, 99);
        return max - p99 > 3 * (p99 - min) ? p99 : null;
    }

    /// <summary><paramref name="count"/> equal bins up to <paramref name="upTo"/> (default: the largest value); values above it make one overflow bin.</summary>
    public static IReadOnlyList<HistogramBin> Bins(IReadOnlyList<double> values, int count, double? upTo = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        double[] within = upTo is double cut ? values.Where(v => v <= cut).ToArray() : values.ToArray();
        var bins = new List<HistogramBin>(EqualBins(within, count));
        if (within.Length < values.Count) bins.Add(new HistogramBin(upTo!.Value, values.Max(), values.Count - within.Length, Overflow: true));
        return bins;
    }

    private static IEnumerable<HistogramBin> EqualBins(double[] values, int count)
    {
        if (values.Length == 0) return [];
        double min = values.Min(), max = values.Max();
        if (max == min) return [new HistogramBin(min, max, values.Length)];
        double width = (max - min) / count;
        var counts = new int[count];
        foreach (double value in values) counts[Math.Min((int)((value - min) / width), count - 1)]++;
        return counts.Select((n, i) => new HistogramBin(min + i * width, i == count - 1 ? max : min + (i + 1) * width, n));
    }
}
