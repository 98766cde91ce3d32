namespace Hil.Gherkin.Reports;

/// <summary>One bar of a histogram: the values in [From, To) (the last bar includes its To).</summary>
public sealed record HistogramBin(double From, double To, int Count);

/// <summary>Equal-width bins from the smallest to the largest value.</summary>
public static class Histogram
{
    /// <summary>A bin count that suits <paramref name="samples"/> values: about their square root, between 1 and 24.</summary>
    public static int BinCountFor(int samples) => Math.Clamp((int)Math.Ceiling(Math.Sqrt(samples)), 1, 24);

    public static IReadOnlyList<HistogramBin> Bins(IReadOnlyList<double> values, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (values.Count == 0) return [];
        double min = values.Min(), max = values.Max();
        if (max == min) return [new HistogramBin(min, max, values.Count)];
        double width = (max - min) / count;
        var counts = new int[count];
        foreach (double value in values) counts[Math.Min((int)((value - min) / width), count - 1)]++;
        return counts.Select((n, i) => new HistogramBin(min + i * width, i == count - 1 ? max : min + (i + 1) * width, n)).ToArray();
    }
}
