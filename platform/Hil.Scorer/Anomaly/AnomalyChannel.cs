using Hil.Simulators.Sensors;

namespace Hil.Scorer.Anomaly;

/// <summary>
/// One measured quantity the anomaly detector watches, with its sensor's physical range: a value outside
/// it is a fault by definition, and a sensor resting on a range limit (no light at night, saturated
/// humidity) is not "flat" in a suspicious way.
/// </summary>
public sealed record AnomalyChannel(string Name, double Min, double Max)
{
    /// <summary>The five channels of the sensor simulator (and of the PHAEMOS design).</summary>
    public static IReadOnlyList<AnomalyChannel> Environment { get; } =
        Enum.GetValues<SensorChannel>().Select(c => Of(c)).ToArray();

    /// <summary>What the reference node reports in telemetry today (and so what the backend scores).</summary>
    public static IReadOnlyList<AnomalyChannel> Telemetry { get; } = [Of(SensorChannel.Temperature), Of(SensorChannel.Humidity)];

    /// <summary>The simulator channels the reference node's telemetry carries.</summary>
    public static IReadOnlyList<SensorChannel> TelemetrySensors { get; } = [SensorChannel.Temperature, SensorChannel.Humidity];

    public static AnomalyChannel Of(SensorChannel channel)
    {
        (double min, double max) = SensorFault.Range(channel);
        return new AnomalyChannel(channel.ToString().ToLowerInvariant(), min, max);
    }

    public bool InRange(double value) => value >= Min && value <= Max;

    /// <summary>Smallest noise level assumed when estimating it from the data (a sensor's resolution, roughly).</summary>
    internal double NoiseFloor => 1e-4 * (Max - Min);
}
