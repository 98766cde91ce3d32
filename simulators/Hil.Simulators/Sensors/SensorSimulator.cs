using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Random;

namespace Hil.Simulators.Sensors;

/// <summary>
/// Synthetic environmental readings of a hive node: temperature, humidity, pressure, light and gas
/// resistance with seasonal and diurnal cycles, weather fronts (a Poisson process) and correlated
/// noise (an Ornstein–Uhlenbeck process per channel, driven by correlated normal increments),
/// then the configured faults. Deterministic for a given seed.
/// </summary>
public sealed class SensorSimulator
{
    private const int Channels = 5;
    private const double NoiseTimeConstantHours = 2;

    // Correlation of the slow noise: warm spells are drier and brighter, damp air lowers gas resistance.
    private static readonly double[,] NoiseCorrelation =
    {
        //  T     H     P     L     G
        { 1.0, -0.6, 0.1, 0.4, 0.2 },
        { -0.6, 1.0, -0.2, -0.3, -0.4 },
        { 0.1, -0.2, 1.0, 0.2, 0.0 },
        { 0.4, -0.3, 0.2, 1.0, 0.1 },
        { 0.2, -0.4, 0.0, 0.1, 1.0 },
    };
    private static readonly double[] NoiseScale = [1.2, 4.0, 1.5, 0.15, 8.0];
    private static readonly double[] MeasurementNoise = [0.05, 0.3, 0.05, 50, 0.5];

    private readonly SensorSimulatorOptions _options;

    public SensorSimulator(SensorSimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Readings every <see cref="SensorSimulatorOptions.Interval"/> for <paramref name="span"/>.</summary>
    public IEnumerable<SensorReading> Generate(TimeSpan span)
    {
        if (span <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(span), span, "span must be positive");
        var random = new MersenneTwister(_options.Seed, threadSafe: false);
        var normal = new Normal(0, 1, random);
        IReadOnlyList<WeatherFront> fronts = PlanFronts(new MersenneTwister(unchecked(_options.Seed * 7919 + 17), false), span.TotalHours);
        Matrix<double> mixing = Matrix<double>.Build.DenseOfArray(NoiseCorrelation).Cholesky().Factor;
        var faults = new FaultInjector(_options.Faults, new MersenneTwister(unchecked(_options.Seed * 104729 + 3), false));

        double dtHours = _options.Interval.TotalHours;
        double phi = Math.Exp(-dtHours / NoiseTimeConstantHours);
        double innovation = Math.Sqrt(1 - phi * phi);
        Vector<double> state = mixing * Vector<double>.Build.Dense(Channels, _ => normal.Sample());
        long steps = (long)Math.Floor(span / _options.Interval);
        for (long step = 0; step < steps; step++)
        {
            DateTimeOffset time = _options.Start + step * _options.Interval;
            double hours = step * dtHours;
            Vector<double> z = Vector<double>.Build.Dense(Channels, _ => normal.Sample());
            state = state * phi + mixing * z * innovation;
            double[] truth = Truth(time, hours, fronts, state, normal);
            yield return faults.Apply(time, truth);
        }
    }

    private List<WeatherFront> PlanFronts(System.Random random, double totalHours)
    {
        var fronts = new List<WeatherFront>();
        var gap = new Exponential(1 / _options.MeanFrontInterval.TotalHours, random);
        var normal = new Normal(0, 1, random);
        // Start one interval early so a front may already be passing at the first reading.
        for (double t = -48 + gap.Sample(); t < totalHours + 48; t += gap.Sample())
        {
            fronts.Add(new WeatherFront(t, Length: 12 + 24 * random.NextDouble(), Edge: 2 + 4 * random.NextDouble(),
                PressureDropHpa: Math.Max(2, 10 + 4 * normal.Sample()), TemperatureChangeC: -3 + 1.5 * normal.Sample(),
                HumidityRisePct: Math.Max(0, 15 + 5 * normal.Sample())));
        }
        return fronts;
    }

    private static double[] Truth(DateTimeOffset time, double hours, IReadOnlyList<WeatherFront> fronts, Vector<double> noise,
        Normal normal)
    {
        double dayOfYear = time.UtcDateTime.DayOfYear + time.UtcDateTime.TimeOfDay.TotalDays;
        double season = Math.Sin(2 * Math.PI * (dayOfYear - 110) / 365.25); // +1 in late July
        double hourOfDay = time.UtcDateTime.TimeOfDay.TotalHours;

        double front = 0, pressureDrop = 0, cooling = 0, damp = 0;
        foreach (WeatherFront f in fronts)
        {
            double influence = f.Influence(hours);
            front = Math.Max(front, influence);
            pressureDrop += f.PressureDropHpa * influence;
            cooling += f.TemperatureChangeC * influence;
            damp += f.HumidityRisePct * influence;
        }

        double seasonalMean = 11 + 9 * season;
        double diurnal = (4 + 2 * season) * Math.Cos(2 * Math.PI * (hourOfDay - 15) / 24);
        double temperature = seasonalMean + diurnal + cooling + NoiseScale[0] * noise[0];

        double humidity = 68 - 2.2 * (temperature - seasonalMean) + damp + NoiseScale[1] * noise[1];
        humidity = Math.Clamp(humidity, 5, 100);

        double pressure = 1014 + 0.8 * Math.Cos(4 * Math.PI * (hourOfDay - 10) / 24) - pressureDrop + NoiseScale[2] * noise[2];

        double dayLength = 12 + 4 * season;
        double sunrise = 12.5 - dayLength / 2; // solar noon at 12:30 UTC
        double sun = Math.Max(0, Math.Sin(Math.PI * (hourOfDay - sunrise) / dayLength));
        double cloud = Math.Clamp(0.3 + NoiseScale[3] * noise[3] + 0.6 * front, 0, 0.95);
        double light = 100_000 * Math.Pow(sun, 1.3) * (1 - cloud);

        double gas = 150 * Math.Exp(-0.012 * (humidity - 50)) * (1 - 0.15 * sun) + NoiseScale[4] * noise[4];

        double[] values = [temperature, humidity, pressure, light, gas];
        for (int c = 0; c < Channels; c++) values[c] += MeasurementNoise[c] * normal.Sample();
        values[1] = Math.Clamp(values[1], 0, 100);
        values[3] = Math.Max(0, values[3]);
        values[4] = Math.Max(1, values[4]);
        return values;
    }
}
