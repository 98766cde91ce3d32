using Hil.Simulators.Sensors;

namespace Hil.Scorer.Anomaly;

/// <summary>
/// What the Isolation Forest sees of one reading. The PHAEMOS statistics (per channel the reading and its mean and
/// standard deviation over the last hour and the last 24 hours: 25 numbers for five channels) are kept per channel
/// over valid readings only (present and inside the sensor's range), but they describe the weather, not the sensor:
/// given to the forest as they are, its random splits go to diurnal and weather variation and the faults drown
/// (held-out ROC AUC 0.74). So the forest gets what each fault changes, derived from them:
/// <list type="bullet">
/// <item>per channel: the deviation from the median of the previous 15 minutes (spikes, the step of a fault) and
/// the log standard deviation over 15 minutes (a stuck sensor is flat), for the forest; then, only for the learnt parts
/// of <see cref="AnomalyModel"/> (in channel units they mostly follow the day and the weather, and given to the forest
/// they dilute its random splits): mean_15m − mean_1h (the rate), mean_15m − mean_24h and mean_15m − mean_6h (the level
/// against the day and against the last 6 h), for <see cref="ChannelCoupling"/>, and mean_15m itself, for
/// <see cref="DiurnalProfile"/>;</item>
/// <item>over all channels, scale-free so that a fault on any channel shows in the same place: how many channels have no
/// valid value (missing or out of range: one count, so that a forest whose training data happened to hold only one of
/// the two kinds of fault still splits on it and isolates the other), the largest deviation and the smallest 15-minute spread in units of
/// the channel's own reading-to-reading noise (median |Δ| over 24 h), and the largest |mean_1h − mean_24h| and
/// |mean_15m − mean_1h| in units of std_24h, and how long the longest-repeating channel has repeated its value exactly
/// (log10 of 1 + minutes; a stuck sensor repeats, a live one's noise does not; values on a range limit do not count);
/// last the hour of day (UTC), only for <see cref="DiurnalProfile"/>.</item>
/// </list>
/// <see cref="AnomalyModel"/> adds four learnt ones (<see cref="ChannelCoupling"/>, <see cref="DiurnalProfile"/>).
/// </summary>
public static class EnvironmentFeatures
{
    public static readonly TimeSpan ShortWindow = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan HourWindow = TimeSpan.FromHours(1);
    public static readonly TimeSpan DayWindow = TimeSpan.FromHours(24);
    /// <summary>Longer than the longest drift the simulator injects (3 h), shorter than the diurnal cycle.</summary>
    public static readonly TimeSpan SpellWindow = TimeSpan.FromHours(6);

    /// <summary>Feature names for <paramref name="channels"/>, in the order <see cref="FeatureTracker.Next"/> writes them.</summary>
    public static IReadOnlyList<string> Names(IReadOnlyList<AnomalyChannel> channels) =>
    [
        .. channels.SelectMany(c => new[] { $"{c.Name}_deviation", $"{c.Name}_log_std_15m", $"{c.Name}_mean_15m_minus_1h",
            $"{c.Name}_mean_15m_minus_24h", $"{c.Name}_mean_15m_minus_6h", $"{c.Name}_mean_15m" }),
        "invalid", "max_deviation_z", "min_flatness_z", "max_drift_z", "max_rate_z", "log_repeat_minutes", "hour_of_day",
    ];

    public static int Count(int channels) => PerChannel * channels + Overall;
    internal const int PerChannel = 6, Overall = 7;
    /// <summary>The per-channel slots the forest sees (deviation and log spread), first of each channel's.</summary>
    internal const int ForestSlots = 2;
    /// <summary>
    /// The per-channel slots of mean_15m − mean_1h, mean_15m − mean_24h, mean_15m − mean_6h and mean_15m itself (after
    /// <see cref="ForestSlots"/>: the forest sees only what <see cref="ChannelCoupling"/> and <see cref="DiurnalProfile"/> make of them).
    /// </summary>
    internal const int RateSlot = 2, LevelSlot = 3, SpellSlot = 4, ValueSlot = 5;
    /// <summary>The hour of day (UTC, 0 to 24), last of the row: an input of <see cref="DiurnalProfile"/>, not of the forest.</summary>
    internal static int HourIndex(int channels) => Count(channels) - 1;

    /// <summary>One feature row per simulator reading (readings in time order), over <paramref name="channels"/> (default: all five).</summary>
    public static IReadOnlyList<double[]> Compute(IReadOnlyList<SensorReading> readings, IReadOnlyList<SensorChannel>? channels = null)
    {
        channels ??= Enum.GetValues<SensorChannel>();
        var tracker = new FeatureTracker(channels.Select(AnomalyChannel.Of).ToArray());
        var values = new double?[channels.Count];
        var rows = new List<double[]>(readings.Count);
        foreach (SensorReading reading in readings)
        {
            for (int c = 0; c < channels.Count; c++) values[c] = reading[channels[c]];
            rows.Add(tracker.Next(reading.Time, values));
        }
        return rows;
    }
}

/// <summary>
/// The running state behind <see cref="EnvironmentFeatures"/> for one node: feed its readings in time order, get a
/// feature row for each. A missing value is null.
/// </summary>
public sealed class FeatureTracker
{
    private readonly IReadOnlyList<AnomalyChannel> _channels;
    private readonly ChannelState[] _state;

    public FeatureTracker(IReadOnlyList<AnomalyChannel> channels)
    {
        if (channels.Count == 0) throw new ArgumentException("at least one channel");
        _channels = channels;
        _state = channels.Select(_ => new ChannelState()).ToArray();
    }

    public double[] Next(DateTimeOffset time, ReadOnlySpan<double?> values)
    {
        if (values.Length != _channels.Count) throw new ArgumentException($"expected {_channels.Count} values, got {values.Length}");
        var row = new double[EnvironmentFeatures.Count(_channels.Count)];
        int invalid = 0;
        double maxDeviation = 0, minFlatness = 10, maxDrift = 0, maxRate = 0, maxRepeat = 0;
        for (int c = 0; c < _channels.Count; c++)
        {
            AnomalyChannel channel = _channels[c];
            ChannelState s = _state[c];
            double? value = values[c];
            bool valid = value is { } v0 && double.IsFinite(v0) && channel.InRange(v0);
            if (!valid) invalid++;

            double recent = s.Short.Median(s.Last); // before this reading joins: a spike is measured against its neighbours
            if (valid)
            {
                double v = value!.Value;
                if (s.Previous is { } p) s.Steps.Add(time, Math.Abs(v - p));
                if (s.Previous != v) s.RepeatingSince = time;
                s.Previous = v;
                s.Last = v;
                s.Short.Add(time, v);
                s.Hour.Add(time, v);
                s.Day.Add(time, v);
                s.Spell.Add(time, v);
            }
            s.Short.Expire(time);
            s.Hour.Expire(time);
            s.Day.Expire(time);
            s.Spell.Expire(time);
            s.Steps.Expire(time);

            double noise = Math.Max(s.Steps.Median(0), channel.NoiseFloor);
            double deviation = value is { } x && double.IsFinite(x) ? Math.Abs(x - recent) : 0;
            double spread = s.Short.Std();
            double trend = s.Hour.Mean(s.Last) - s.Day.Mean(s.Last);
            double rate = s.Short.Mean(s.Last) - s.Hour.Mean(s.Last);
            int at0 = EnvironmentFeatures.PerChannel * c;
            row[at0] = deviation;
            row[at0 + 1] = Math.Log10(spread + 1e-9);
            row[at0 + EnvironmentFeatures.RateSlot] = rate;
            row[at0 + EnvironmentFeatures.LevelSlot] = s.Short.Mean(s.Last) - s.Day.Mean(s.Last);
            row[at0 + EnvironmentFeatures.SpellSlot] = s.Short.Mean(s.Last) - s.Spell.Mean(s.Last);
            row[at0 + EnvironmentFeatures.ValueSlot] = s.Short.Mean(s.Last);
            maxRate = Math.Max(maxRate, Math.Abs(rate) / Math.Max(s.Day.Std(), noise));

            maxDeviation = Math.Max(maxDeviation, deviation / noise);
            if (valid && value!.Value > channel.Min && value.Value < channel.Max)
            {
                minFlatness = Math.Min(minFlatness, Math.Log10(spread / noise + 1e-6));
                maxRepeat = Math.Max(maxRepeat, (time - s.RepeatingSince!.Value).TotalMinutes);
            }
            maxDrift = Math.Max(maxDrift, Math.Abs(trend) / Math.Max(s.Day.Std(), 1e-6));
        }
        int at = EnvironmentFeatures.PerChannel * _channels.Count;
        row[at] = invalid;
        row[at + 1] = Math.Log10(maxDeviation + 1e-3);
        row[at + 2] = minFlatness;
        row[at + 3] = maxDrift;
        row[at + 4] = maxRate;
        row[at + 5] = Math.Log10(1 + maxRepeat);
        row[at + 6] = time.UtcDateTime.TimeOfDay.TotalHours;
        return row;
    }

    private sealed class ChannelState
    {
        public readonly RollingWindow Short = new(EnvironmentFeatures.ShortWindow);
        public readonly RollingWindow Hour = new(EnvironmentFeatures.HourWindow);
        public readonly RollingWindow Day = new(EnvironmentFeatures.DayWindow);
        public readonly RollingWindow Spell = new(EnvironmentFeatures.SpellWindow);
        /// <summary>|Δ| between consecutive valid readings: the channel's own noise level.</summary>
        public readonly RollingWindow Steps = new(EnvironmentFeatures.DayWindow);
        public double? Previous;
        /// <summary>When the current run of identical valid readings began.</summary>
        public DateTimeOffset? RepeatingSince;
        public double Last;
    }
}
