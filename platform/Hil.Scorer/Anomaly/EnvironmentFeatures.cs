using Hil.Simulators.Sensors;

namespace Hil.Scorer.Anomaly;

/// <summary>
/// The 25 features of the PHAEMOS design for one reading: the five raw readings, and per channel the
/// rolling mean and standard deviation over the last hour and the last 24 hours (the 20 rolling
/// statistics). A missing reading (dropout) is encoded as <see cref="Missing"/>, far outside every
/// sensor's range, and left out of the rolling statistics.
/// </summary>
public static class EnvironmentFeatures
{
    public const int Count = 25;
    public const double Missing = -9999;
    private static readonly SensorChannel[] Channels = Enum.GetValues<SensorChannel>();

    public static IReadOnlyList<string> Names { get; } =
    [
        .. Channels.Select(Name),
        .. Channels.SelectMany(c => new[] { "mean_1h", "std_1h", "mean_24h", "std_24h" }.Select(s => $"{Name(c)}_{s}")),
    ];

    private static string Name(SensorChannel channel) => channel.ToString().ToLowerInvariant();

    /// <summary>One feature row per reading, in order (readings must be in time order).</summary>
    public static IReadOnlyList<double[]> Compute(IReadOnlyList<SensorReading> readings)
    {
        var windows = Channels.Select(_ => (Hour: new RollingWindow(TimeSpan.FromHours(1)), Day: new RollingWindow(TimeSpan.FromHours(24)))).ToArray();
        var rows = new List<double[]>(readings.Count);
        foreach (SensorReading reading in readings)
        {
            var row = new double[Count];
            for (int c = 0; c < Channels.Length; c++)
            {
                double? value = reading[Channels[c]];
                row[c] = value ?? Missing;
                windows[c].Hour.Add(reading.Time, value);
                windows[c].Day.Add(reading.Time, value);
                int at = 5 + 4 * c;
                (row[at], row[at + 1]) = windows[c].Hour.MeanAndStd(value ?? Missing);
                (row[at + 2], row[at + 3]) = windows[c].Day.MeanAndStd(value ?? Missing);
            }
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Values within a time span, with running sums (Welford would be overkill at these magnitudes).</summary>
    private sealed class RollingWindow(TimeSpan span)
    {
        private readonly Queue<(DateTimeOffset Time, double Value)> _values = new();
        private double _sum, _sumSquares;

        public void Add(DateTimeOffset time, double? value)
        {
            if (value is { } v)
            {
                _values.Enqueue((time, v));
                _sum += v;
                _sumSquares += v * v;
            }
            while (_values.Count > 0 && _values.Peek().Time <= time - span)
            {
                double old = _values.Dequeue().Value;
                _sum -= old;
                _sumSquares -= old * old;
            }
        }

        public (double Mean, double Std) MeanAndStd(double fallback)
        {
            if (_values.Count == 0) return (fallback, 0);
            double mean = _sum / _values.Count;
            return (mean, Math.Sqrt(Math.Max(0, _sumSquares / _values.Count - mean * mean)));
        }
    }
}
