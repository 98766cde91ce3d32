namespace Hil.Scorer.Anomaly;

/// <summary>
/// What each channel usually reads at each hour of the day, learnt from training rows: per channel and hour, the band
/// between the <see cref="LowQuantile"/> and <see cref="HighQuantile"/> of its 15-minute means in that hour (UTC; one
/// hour, not more: around dawn a wider bin would take in daylight). Some states are physically impossible at some hours
/// (daylight at 2 am): the band is narrow there and a drifting sensor leaves it, where within-the-day statistics see only
/// a slow rise. A row's feature is how far the farthest channel lies outside its band, in units of the band's width (plus
/// the channel's noise floor), on a log scale. Quantiles, not extremes, so that the faults in the unlabelled training
/// data barely move the band. The hour is the node's UTC hour: nodes far apart in longitude would need a model each.
/// </summary>
public sealed class DiurnalProfile
{
    public const int Hours = 24;
    public const double LowQuantile = 0.1, HighQuantile = 0.9;
    /// <summary>Fewer rows than this in an hour (a short training window) and the hour uses the channel's band over the whole day.</summary>
    public const int MinRowsPerHour = 12;

    private readonly double[] _floor;

    private DiurnalProfile(double[][] low, double[][] high, double[] floor) => (Low, High, _floor) = (low, high, floor);

    /// <summary>Per channel, per hour of day (0 to 23, the hour from h:00 to h+1:00), the band's lower and upper edge.</summary>
    public double[][] Low { get; }
    public double[][] High { get; }

    public static DiurnalProfile Fit(IReadOnlyList<double[]> rows, IReadOnlyList<AnomalyChannel> channels)
    {
        int hourIndex = EnvironmentFeatures.HourIndex(channels.Count);
        var low = new double[channels.Count][];
        var high = new double[channels.Count][];
        for (int c = 0; c < channels.Count; c++)
        {
            int slot = EnvironmentFeatures.PerChannel * c + EnvironmentFeatures.ValueSlot;
            double[] all = rows.Select(r => r[slot]).Order().ToArray();
            (low[c], high[c]) = (new double[Hours], new double[Hours]);
            for (int h = 0; h < Hours; h++)
            {
                double[] near = rows.Where(r => HourOf(r[hourIndex]) == h).Select(r => r[slot]).Order().ToArray();
                double[] values = near.Length >= MinRowsPerHour ? near : all;
                (low[c][h], high[c][h]) = (Quantile(values, LowQuantile), Quantile(values, HighQuantile));
            }
        }
        return new DiurnalProfile(low, high, Floors(channels));
    }

    public static DiurnalProfile From(double[][] low, double[][] high, IReadOnlyList<AnomalyChannel> channels)
    {
        if (low.Length != channels.Count || high.Length != channels.Count || low.Concat(high).Any(h => h is null || h.Length != Hours))
            throw new FormatException($"diurnal profile: {Hours} lows and highs per channel for {channels.Count} channels");
        for (int c = 0; c < channels.Count; c++)
            for (int h = 0; h < Hours; h++)
                if (!(double.IsFinite(low[c][h]) && double.IsFinite(high[c][h]) && low[c][h] <= high[c][h]))
                    throw new FormatException($"diurnal profile: channel {channels[c].Name} at hour {h} has no finite band (low ≤ high)");
        return new DiurnalProfile(low, high, Floors(channels));
    }

    public double Excess(ReadOnlySpan<double> row)
    {
        int channels = Low.Length;
        int h = HourOf(row[EnvironmentFeatures.HourIndex(channels)]);
        double largest = 0;
        for (int c = 0; c < channels; c++)
        {
            double value = row[EnvironmentFeatures.PerChannel * c + EnvironmentFeatures.ValueSlot];
            double outside = Math.Max(0, Math.Max(value - High[c][h], Low[c][h] - value));
            largest = Math.Max(largest, outside / (High[c][h] - Low[c][h] + _floor[c]));
        }
        return Math.Log10(1 + largest);
    }

    private static double[] Floors(IReadOnlyList<AnomalyChannel> channels) => channels.Select(c => c.NoiseFloor).ToArray();

    private static int HourOf(double hourOfDay) => Math.Clamp((int)Math.Floor(hourOfDay), 0, Hours - 1);

    private static double Quantile(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[(int)Math.Round(q * (sorted.Length - 1))];
}
