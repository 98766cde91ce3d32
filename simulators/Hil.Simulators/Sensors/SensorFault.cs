namespace Hil.Simulators.Sensors;

public enum SensorFaultKind
{
    /// <summary>The sensor repeats the value it had when the fault began.</summary>
    Stuck,
    /// <summary>Isolated readings jump far from the truth (EMI, a loose connector).</summary>
    Spikes,
    /// <summary>An offset that grows linearly over the fault (ageing, contamination).</summary>
    Drift,
    /// <summary>No value at all (bus error, brown-out).</summary>
    Dropout,
    /// <summary>Values outside the sensor's physical range (a wrong register, a broken ADC).</summary>
    OutOfRange,
}

/// <summary>
/// A fault injected into one channel from <see cref="Start"/> for <see cref="Duration"/>.
/// <see cref="Magnitude"/> is in the channel's unit: the spike height, or the drift reached at the end.
/// </summary>
public sealed record SensorFault(SensorChannel Channel, SensorFaultKind Kind, DateTimeOffset Start, TimeSpan Duration,
    double Magnitude = 0)
{
    public DateTimeOffset End => Start + Duration;

    public bool Covers(DateTimeOffset time) => time >= Start && time < End;

    /// <summary>Physical range of each channel; <see cref="SensorFaultKind.OutOfRange"/> lands outside it.</summary>
    public static (double Min, double Max) Range(SensorChannel channel) => channel switch
    {
        SensorChannel.Temperature => (-40, 85),
        SensorChannel.Humidity => (0, 100),
        SensorChannel.Pressure => (300, 1100),
        SensorChannel.Light => (0, 120_000),
        SensorChannel.Gas => (1, 500),
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, null),
    };

    /// <summary>A typical fault size for the channel (about ten times its noise).</summary>
    public static double TypicalMagnitude(SensorChannel channel) => channel switch
    {
        SensorChannel.Temperature => 8,
        SensorChannel.Humidity => 20,
        SensorChannel.Pressure => 15,
        SensorChannel.Light => 20_000,
        SensorChannel.Gas => 40,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, null),
    };
}
