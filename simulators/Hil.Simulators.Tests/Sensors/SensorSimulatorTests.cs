using Hil.Simulators.Sensors;

namespace Hil.Simulators.Tests.Sensors;

public sealed class SensorSimulatorTests
{
    private static readonly DateTimeOffset Start = new(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);

    private static List<SensorReading> Day(int seed, params SensorFault[] faults) =>
        new SensorSimulator(new SensorSimulatorOptions { Start = Start, Seed = seed, Faults = faults })
            .Generate(TimeSpan.FromHours(24)).ToList();

    [Test]
    public void The_same_seed_gives_the_same_readings_and_another_seed_does_not()
    {
        var a = Day(7).Select(r => r.ToCsv()).ToList();
        var b = Day(7).Select(r => r.ToCsv()).ToList();
        var c = Day(8).Select(r => r.ToCsv()).ToList();
        Assert.That(a, Has.Count.EqualTo(24 * 60));
        Assert.That(b, Is.EqualTo(a));
        Assert.That(c, Is.Not.EqualTo(a));
    }

    [Test]
    public void Afternoons_are_warmer_and_brighter_than_nights_and_values_are_physical()
    {
        var day = Day(3);
        double Mean(Func<SensorReading, double?> f, int fromHour, int toHour) => day
            .Where(r => r.Time.Hour >= fromHour && r.Time.Hour < toHour).Average(r => f(r)!.Value);
        Assert.That(Mean(r => r.TemperatureC, 13, 17), Is.GreaterThan(Mean(r => r.TemperatureC, 1, 5) + 3));
        Assert.That(Mean(r => r.HumidityPct, 13, 17), Is.LessThan(Mean(r => r.HumidityPct, 1, 5)));
        Assert.That(Mean(r => r.LightLux, 11, 14), Is.GreaterThan(10_000));
        Assert.That(Mean(r => r.LightLux, 0, 2), Is.LessThan(100));
        Assert.That(day.All(r => r.HumidityPct is >= 0 and <= 100 && r.PressureHpa is > 950 and < 1050 && r.GasKOhm > 0), Is.True);
        Assert.That(day.Any(r => r.IsFaulty), Is.False);
    }

    [Test]
    public void A_weather_front_lowers_the_pressure_over_a_month()
    {
        var month = new SensorSimulator(new SensorSimulatorOptions { Start = Start, Seed = 5, Interval = TimeSpan.FromMinutes(30) })
            .Generate(TimeSpan.FromDays(30)).Select(r => r.PressureHpa!.Value).ToList();
        Assert.That(month.Max() - month.Min(), Is.GreaterThan(8), "fronts move the barometer by several hPa");
    }

    [Test]
    public void Each_fault_kind_shows_in_the_readings_it_covers_and_is_labelled()
    {
        DateTimeOffset at = Start.AddHours(6);
        var hour = TimeSpan.FromHours(1);
        var day = Day(9,
            new SensorFault(SensorChannel.Temperature, SensorFaultKind.Stuck, at, hour),
            new SensorFault(SensorChannel.Humidity, SensorFaultKind.Dropout, at, hour),
            new SensorFault(SensorChannel.Pressure, SensorFaultKind.Drift, at, hour, Magnitude: 30),
            new SensorFault(SensorChannel.Light, SensorFaultKind.OutOfRange, at, hour),
            new SensorFault(SensorChannel.Gas, SensorFaultKind.Spikes, at, hour, Magnitude: 100));
        var clean = Day(9);
        var inside = day.Where(r => r.Time >= at && r.Time < at + hour).ToList();
        var cleanInside = clean.Where(r => r.Time >= at && r.Time < at + hour).ToList();

        Assert.That(inside.Select(r => r.TemperatureC).Distinct().Count(), Is.EqualTo(1), "stuck");
        Assert.That(inside.All(r => r.HumidityPct is null), Is.True, "dropout");
        Assert.That(inside[^1].PressureHpa - cleanInside[^1].PressureHpa, Is.EqualTo(30 * 59.0 / 60).Within(1e-9), "drift");
        Assert.That(inside.All(r => r.LightLux is < 0 or > 120_000), Is.True, "out of range");
        int spikes = inside.Zip(cleanInside).Count(p => Math.Abs(p.First.GasKOhm!.Value - p.Second.GasKOhm!.Value) >= 100);
        Assert.That(spikes, Is.InRange(2, 30), "spikes hit some readings, not all");
        Assert.That(inside.All(r => r.IsFaulty), Is.True);
        Assert.That(day.Where(r => r.Time < at || r.Time >= at + hour).Any(r => r.IsFaulty), Is.False);
        Assert.That(day.Where(r => r.Time < at).Select(r => r.ToCsv()), Is.EqualTo(clean.Where(r => r.Time < at).Select(r => r.ToCsv())),
            "faults do not disturb the readings before them");
    }

    [Test]
    public void Bad_options_are_refused_with_the_reason()
    {
        var e = Assert.Throws<ArgumentException>(() => _ = new SensorSimulator(new SensorSimulatorOptions { Interval = TimeSpan.Zero }));
        Assert.That(e!.Message, Does.Contain("Interval must be positive"));
    }

    [Test]
    public void Csv_has_a_header_and_empty_fields_for_dropouts()
    {
        var r = new SensorReading(Start, 21.456, null, 1013.2, 0, 150, [SensorFaultKind.Dropout]);
        Assert.That(SensorReading.CsvHeader.Split(',').Length, Is.EqualTo(r.ToCsv().Split(',').Length));
        Assert.That(r.ToCsv(), Is.EqualTo("2026-07-01T00:00:00Z,21.46,,1013.20,0.0,150.00,dropout"));
    }
}
