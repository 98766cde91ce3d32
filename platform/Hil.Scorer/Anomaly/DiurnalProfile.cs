namespace Hil.Scorer.Anomaly;

/// <summary>
/// What each channel usually reads, or how fast it usually changes, at each hour of the day, learnt from training rows:
/// per channel and hour, the band between the <see cref="LowQuantile"/> and <see cref="HighQuantile"/> of one
/// per-channel feature (<see cref="Slot"/>: the 15-minute mean, or the rate mean_15m − mean_1h) in that hour (UTC; one
/// hour, not more: around dawn a wider bin would take in daylight). Some states are physically impossible at some hours
/// (daylight at 2 am, light rising at midnight, a fast fall of temperature in the late morning): the band is narrow there
/// and a drifting sensor leaves it, where within-the-day statistics see only a slow change. A row's feature is how far the
/// farthest channel lies outside its band, in units of the band's width (plus the channel's noise floor), on a log scale. Quantiles, not extremes, so that the faults in the unlabelled training
/// data barely move the band. The hour is the node's UTC hour: nodes far apart in longitude would need a model each.
/// </summary>
public sealed class DiurnalProfile
{
    public const int Hours = 24;
    public const double LowQuantile = 0.1, HighQuantile = 0.9;
    /// <summary>Fewer rows than this in an hour (a short training window) and the hour uses the channel's band over the whole day.</summary>
    public const int MinRowsPerHour = 12;

    private readonly double[] _floor;

    private DiurnalProfile(int slot, double[][] low, double[][] high, double[] floor) => (Slot, Low, High, _floor) = (slot, low, high, floor);

    /// <summary>The per-channel feature profiled: <see cref="EnvironmentFeatures.ValueSlot"/> or <see cref="EnvironmentFeatures.RateSlot"/>.</summary>
    public int Slot { get; }

    /// <summary>Per channel, per hour of day (0 to 23, the hour from h:00 to h+1:00), the band's lower and upper edge.</summary>
    public double[][] Low { get; }
    public double[][] High { get; }

    public static DiurnalProfile Fit(IReadOnlyList<double[]> rows, IReadOnlyList<AnomalyChannel> channels, int slot)
    {
        CheckSlot(slot, message => throw new ArgumentException(message));
        int hourIndex = EnvironmentFeatures.HourIndex(channels.Count);
        var low = new double[channels.Count][];
        var high = new double[channels.Count][];
        for (int c = 0; c < channels.Count; c++)
        {
            int at = EnvironmentFeatures.PerChannel * c + slot;
            double[] all = rows.Select(r => r[at]).Order().ToArray();
            (low[c], high[c]) = (new double[Hours], new double[Hours]);
            for (int h = 0; h < Hours; h++)
            {
                double[] near = rows.Where(r => HourOf(r[hourIndex]) == h).Select(r => r[at]).Order().ToArray();
                double[] values = near.Length >= MinRowsPerHour ? near : all;
                (low[c][h], high[c][h]) = (Quantile(values, LowQuantile), Quantile(values, HighQuantile));
            }
        }
        return new DiurnalProfile(slot, low, high, Floors(channels));
    }

    public static DiurnalProfile From(int slot, double[][] low, double[][] high, IReadOnlyList<AnomalyChannel> channels)
    {
        CheckSlot(slot, message => throw new FormatException(message));
        if (low.Length != channels.Count || high.Length != channels.Count || low.Concat(high).Any(h => h is null || h.Length != Hours))
            throw new FormatException($"diurnal profile: {Hours} lows and highs per channel for {channels.Count} channels");
        for (int c = 0; c < channels.Count; c++)
            for (int h = 0; h < Hours; h++)
                if (!(double.IsFinite(low[c][h]) && double.IsFinite(high[c][h]) && low[c][h] <= high[c][h]))
                    throw new FormatException($"diurnal profile: channel {channels[c].Name} at hour {h} has no finite band (low ≤ high)");
        return new DiurnalProfile(slot, low, high, Floors(channels));
    }

    private static void CheckSlot(int slot, Action<string> fail)
    {
        if (slot is not (EnvironmentFeatures.ValueSlot or EnvironmentFeatures.RateSlot))
            fail($"diurnal profile of feature slot {slot}: only {EnvironmentFeatures.ValueSlot} (the 15-minute mean) and {EnvironmentFeatures.RateSlot} (the rate) are profiled");
    }

    public double Excess(ReadOnlySpan<double> row)
    {
        int channels = Low.Length;
        int h = HourOf(row[EnvironmentFeatures.HourIndex(channels)]);
        double largest = 0;
        for (int c = 0; c < channels; c++)
        {
            double value = row[EnvironmentFeatures.PerChannel * c + Slot];
            double outside = Math.Max(0, Math.Max(value - High[c][h], Low[c][h] - value));
            largest = Math.Max(largest, outside / (High[c][h] - Low[c][h] + _floor[c]));
        }
        return Math.Log10(1 + largest);
    }

    private static double[] Floors(IReadOnlyList<AnomalyChannel> channels) => channels.Select(c => c.NoiseFloor).ToArray();

    private static int HourOf(double hourOfDay) => Math.Clamp((int)Math.Floor(hourOfDay), 0, Hours - 1);

    private static double Quantile(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[(int)Math.Round(q * (sorted.Length - 1))];
}
