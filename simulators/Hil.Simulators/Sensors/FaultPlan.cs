namespace Hil.Simulators.Sensors;

/// <summary>Random but reproducible fault schedules, for anomaly-detector training and tests.</summary>
public static class FaultPlan
{
    /// <summary>
    /// <paramref name="count"/> faults of random kind, channel, start and duration (10 min to 3 h)
    /// within <paramref name="span"/> after <paramref name="start"/>.
    /// </summary>
    public static IReadOnlyList<SensorFault> Random(int seed, DateTimeOffset start, TimeSpan span, int count,
        IReadOnlyList<SensorFaultKind>? kinds = null)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must not be negative");
        kinds ??= Enum.GetValues<SensorFaultKind>();
        var random = new MathNet.Numerics.Random.MersenneTwister(seed, threadSafe: false);
        var channels = Enum.GetValues<SensorChannel>();
        var faults = new List<SensorFault>(count);
        for (int i = 0; i < count; i++)
        {
            var duration = TimeSpan.FromMinutes(10 + random.NextDouble() * 170);
            double latest = Math.Max(0, (span - duration).TotalMinutes);
            SensorChannel channel = channels[random.Next(channels.Length)];
            double sign = random.NextDouble() < 0.5 ? -1 : 1;
            faults.Add(new SensorFault(channel, kinds[random.Next(kinds.Count)],
                start + TimeSpan.FromMinutes(Math.Floor(random.NextDouble() * latest)), duration,
                sign * SensorFault.TypicalMagnitude(channel) * (1 + random.NextDouble())));
        }
        return faults;
    }
}
