namespace Hil.Simulators.Sensors;

/// <summary>Applies the configured faults to true readings, remembering what a stuck sensor froze at.</summary>
internal sealed class FaultInjector(IReadOnlyList<SensorFault> faults, System.Random random)
{
    private const double SpikeProbability = 0.15;
    private readonly Dictionary<SensorFault, double?> _stuckAt = [];

    public SensorReading Apply(DateTimeOffset time, double[] truth)
    {
        var reading = new SensorReading(time, truth[0], truth[1], truth[2], truth[3], truth[4], []);
        var active = new List<SensorFaultKind>();
        foreach (SensorFault fault in faults)
        {
            if (!fault.Covers(time)) continue;
            double? value = reading[fault.Channel];
            double magnitude = fault.Magnitude != 0 ? fault.Magnitude : SensorFault.TypicalMagnitude(fault.Channel);
            (double min, double max) = SensorFault.Range(fault.Channel);
            switch (fault.Kind)
            {
                case SensorFaultKind.Stuck:
                    if (!_stuckAt.TryGetValue(fault, out double? frozen)) _stuckAt[fault] = frozen = value;
                    value = frozen;
                    break;
                case SensorFaultKind.Spikes:
                    // A spike fault only shows in the readings it hits; the others are clean.
                    if (random.NextDouble() >= SpikeProbability) continue;
                    value += (random.NextDouble() < 0.5 ? -1 : 1) * magnitude * (1 + random.NextDouble());
                    break;
                case SensorFaultKind.Drift:
                    value += magnitude * ((time - fault.Start) / fault.Duration);
                    break;
                case SensorFaultKind.Dropout:
                    value = null;
                    break;
                case SensorFaultKind.OutOfRange:
                    double beyond = (max - min) * (0.05 + 0.5 * random.NextDouble());
                    value = random.NextDouble() < 0.5 ? min - beyond : max + beyond;
                    break;
            }
            reading = reading.With(fault.Channel, value);
            if (!active.Contains(fault.Kind)) active.Add(fault.Kind);
        }
        return active.Count == 0 ? reading : reading with { Faults = active };
    }
}
