namespace Hil.Simulators.Sensors;

/// <summary>What the sensor simulator produces: from when, how often, how random, and which faults.</summary>
public sealed record SensorSimulatorOptions
{
    /// <summary>The first reading's time (UTC; the hour of day drives the diurnal cycle).</summary>
    public DateTimeOffset Start { get; init; } = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Same seed, same options → the same readings, bit for bit.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Mean time between weather fronts (a Poisson process).</summary>
    public TimeSpan MeanFrontInterval { get; init; } = TimeSpan.FromDays(3);

    public IReadOnlyList<SensorFault> Faults { get; init; } = [];

    public void Validate()
    {
        if (Interval <= TimeSpan.Zero) throw new ArgumentException($"Interval must be positive (got {Interval}).");
        if (MeanFrontInterval <= TimeSpan.Zero) throw new ArgumentException($"MeanFrontInterval must be positive (got {MeanFrontInterval}).");
        foreach (SensorFault fault in Faults)
        {
            if (fault.Duration <= TimeSpan.Zero)
                throw new ArgumentException($"Fault {fault.Kind} on {fault.Channel} at {fault.Start:O} has a non-positive duration.");
        }
    }
}
