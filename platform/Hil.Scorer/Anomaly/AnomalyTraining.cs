using Hil.Simulators.Sensors;

namespace Hil.Scorer.Anomaly;

/// <summary>What `hil train anomaly` trains on and evaluates with.</summary>
public sealed record AnomalyTrainingOptions
{
    /// <summary>Seed of the training data and the forest; evaluation uses the next <see cref="EvaluationSeeds"/> seeds.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Simulated hours to train on (after a day that only fills the 24 h windows).</summary>
    public double Hours { get; init; } = 14 * 24;
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Injected faults per simulated day, in training and evaluation alike (labels are never used in training).</summary>
    public double FaultsPerDay { get; init; } = 10.0 / 7;
    public int EvaluationSeeds { get; init; } = 5;
    public double EvaluationHours { get; init; } = 14 * 24;
    public string Version { get; init; } = "anomaly-forest-1";
    /// <summary>The channels to watch: all five, or <see cref="AnomalyChannel.TelemetrySensors"/> for a model the backend can use.</summary>
    public IReadOnlyList<SensorChannel> Channels { get; init; } = Enum.GetValues<SensorChannel>();

    public void Validate()
    {
        if (Hours is <= 0 or > 24 * 3650) throw new ArgumentException($"hours must be in (0, 87600] (got {Hours})");
        if (EvaluationHours is <= 0 or > 24 * 3650) throw new ArgumentException($"evaluation hours must be in (0, 87600] (got {EvaluationHours})");
        if (Interval <= TimeSpan.Zero || Interval > TimeSpan.FromHours(1)) throw new ArgumentException($"interval must be in (0, 1 h] (got {Interval})");
        if (FaultsPerDay is < 0 or > 100) throw new ArgumentException($"faults per day must be in [0, 100] (got {FaultsPerDay})");
        if (Channels.Count == 0 || Channels.Distinct().Count() != Channels.Count) throw new ArgumentException("channels must be distinct and at least one");
        if (EvaluationSeeds is < 1 or > 100) throw new ArgumentException($"evaluation seeds must be in [1, 100] (got {EvaluationSeeds})");
    }
}

/// <summary>Simulated readings with injected faults, the fault-free truth of the same seed, and their feature rows.</summary>
public sealed record SimulatedSensorData(IReadOnlyList<SensorReading> Readings, IReadOnlyList<SensorReading> Truth, IReadOnlyList<double[]> Features);

/// <summary>
/// Unsupervised, as Liu et al. use the forest: it is fitted to simulator data that contains faults (labels unused),
/// then scored on other seeds it never saw, where the labels (see <see cref="AnomalyEvaluation.Label"/>) decide the AUC.
/// </summary>
public static class AnomalyTraining
{
    public static (AnomalyModel Model, AnomalyEvaluation HeldOut) Run(AnomalyTrainingOptions options, TimeProvider time)
    {
        options.Validate();
        SimulatedSensorData train = Simulate(options.Seed, options.Hours, options.Interval, options.FaultsPerDay, options.Channels);
        var provenance = new AnomalyProvenance("simulator", time.GetUtcNow(), train.Features.Count,
            train.Readings[0].Time, train.Readings[^1].Time, options.Seed, options.Hours, (int)Math.Round(options.FaultsPerDay * options.Hours / 24),
            Note: $"{options.Interval.TotalMinutes:0.##} min readings, {options.FaultsPerDay:0.##} injected faults/day, unlabelled");
        AnomalyModel model = AnomalyModel.Train(options.Version, options.Channels.Select(AnomalyChannel.Of).ToArray(), train.Features, options.Seed, provenance);
        var seeds = Enumerable.Range(options.Seed + 1, options.EvaluationSeeds);
        return (model, Evaluate(model, seeds, options.EvaluationHours, options.Interval, options.FaultsPerDay, options.Channels));
    }

    /// <summary>
    /// <paramref name="hours"/> of readings of seed <paramref name="seed"/> with random faults, after a first day that
    /// only fills the 24 h windows (not returned).
    /// </summary>
    public static SimulatedSensorData Simulate(int seed, double hours, TimeSpan interval, double faultsPerDay,
        IReadOnlyList<SensorChannel>? channels = null)
    {
        // Each seed starts on another day of June, so seasons and weather differ between training and evaluation.
        var start = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero).AddDays(Math.Abs(seed % 30));
        var span = TimeSpan.FromHours(hours);
        int count = (int)Math.Round(faultsPerDay * hours / 24);
        var faults = FaultPlan.Random(unchecked(seed * 31 + 1), start.AddDays(1), span, count);
        var options = new SensorSimulatorOptions { Start = start, Seed = seed, Interval = interval, Faults = faults };
        var readings = new SensorSimulator(options).Generate(span + TimeSpan.FromDays(1)).ToList();
        var truth = new SensorSimulator(options with { Faults = [] }).Generate(span + TimeSpan.FromDays(1)).ToList();
        var features = EnvironmentFeatures.Compute(readings, channels);
        int warm = readings.FindIndex(r => r.Time >= start.AddDays(1));
        return new SimulatedSensorData(readings[warm..], truth[warm..], features.Skip(warm).ToList());
    }

    public static AnomalyEvaluation Evaluate(AnomalyModel model, IEnumerable<int> seeds, double hours, TimeSpan interval, double faultsPerDay,
        IReadOnlyList<SensorChannel>? channels = null)
    {
        var scores = new List<double>();
        var labels = new List<bool>();
        var kinds = new List<IReadOnlyList<SensorFaultKind>>();
        var perSeed = new List<(int, double)>();
        int excluded = 0;
        foreach (int seed in seeds)
        {
            SimulatedSensorData data = Simulate(seed, hours, interval, faultsPerDay, channels);
            var (seedScores, seedLabels) = (new List<double>(), new List<bool>());
            for (int i = 0; i < data.Readings.Count; i++)
            {
                if (AnomalyEvaluation.Label(data.Readings[i], data.Truth[i], channels) is not { } anomalous)
                {
                    excluded++;
                    continue;
                }
                seedScores.Add(model.Score(data.Features[i]));
                seedLabels.Add(anomalous);
                kinds.Add(data.Readings[i].Faults);
            }
            if (seedLabels.Contains(true)) perSeed.Add((seed, RocAuc.Compute(seedScores, seedLabels)));
            scores.AddRange(seedScores);
            labels.AddRange(seedLabels);
        }
        var perKind = new List<(SensorFaultKind, double, int)>();
        foreach (SensorFaultKind kind in Enum.GetValues<SensorFaultKind>())
        {
            var keep = Enumerable.Range(0, labels.Count).Where(i => !labels[i] || kinds[i].Contains(kind)).ToArray();
            int positives = keep.Count(i => labels[i]);
            if (positives > 0) perKind.Add((kind, RocAuc.Compute(keep.Select(i => scores[i]).ToArray(), keep.Select(i => labels[i]).ToArray()), positives));
        }
        int positivesTotal = labels.Count(l => l);
        var withoutDrift = Enumerable.Range(0, labels.Count).Where(i => !labels[i] || !kinds[i].Contains(SensorFaultKind.Drift)).ToArray();
        double aucWithoutDrift = RocAuc.Compute(withoutDrift.Select(i => scores[i]).ToArray(), withoutDrift.Select(i => labels[i]).ToArray());
        return new AnomalyEvaluation(RocAuc.Compute(scores, labels), aucWithoutDrift, perSeed, perKind, positivesTotal, labels.Count - positivesTotal, excluded);
    }
}
