using System.Globalization;

namespace Hil.Simulators.Sensors;

/// <summary>The five environmental channels of a hive node.</summary>
public enum SensorChannel { Temperature, Humidity, Pressure, Light, Gas }

/// <summary>
/// One reading of every channel at one instant. A value is null while its sensor drops out.
/// <see cref="Faults"/> names the faults injected into this reading (empty when it is clean):
/// the ground truth an anomaly detector is scored against.
/// </summary>
public sealed record SensorReading(
    DateTimeOffset Time,
    double? TemperatureC,
    double? HumidityPct,
    double? PressureHpa,
    double? LightLux,
    double? GasKOhm,
    IReadOnlyList<SensorFaultKind> Faults)
{
    public bool IsFaulty => Faults.Count > 0;

    public double? this[SensorChannel channel] => channel switch
    {
        SensorChannel.Temperature => TemperatureC,
        SensorChannel.Humidity => HumidityPct,
        SensorChannel.Pressure => PressureHpa,
        SensorChannel.Light => LightLux,
        SensorChannel.Gas => GasKOhm,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, null),
    };

    public SensorReading With(SensorChannel channel, double? value) => channel switch
    {
        SensorChannel.Temperature => this with { TemperatureC = value },
        SensorChannel.Humidity => this with { HumidityPct = value },
        SensorChannel.Pressure => this with { PressureHpa = value },
        SensorChannel.Light => this with { LightLux = value },
        SensorChannel.Gas => this with { GasKOhm = value },
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, null),
    };

    public const string CsvHeader = "time,temperature_c,humidity_pct,pressure_hpa,light_lux,gas_kohm,faults";

    public string ToCsv()
    {
        static string F(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "";
        string faults = string.Join(';', Faults.Select(f => f.ToString().ToLowerInvariant()));
        return $"{Time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ},{F(TemperatureC, "0.00")},{F(HumidityPct, "0.00")}," +
               $"{F(PressureHpa, "0.00")},{F(LightLux, "0.0")},{F(GasKOhm, "0.00")},{faults}";
    }
}
