namespace Hil.Backend.Anomaly;

/// <summary>How the backend scores telemetry for anomalies and keeps its forest current.</summary>
public sealed record AnomalyOptions
{
    /// <summary>How often new telemetry is scored (in batches).</summary>
    public TimeSpan ScoreInterval { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>How often the forest is retrained from stored telemetry; null: never (only <see cref="ModelPath"/> is used).</summary>
    public TimeSpan? RetrainInterval { get; init; } = TimeSpan.FromHours(24);
    /// <summary>How much stored telemetry (up to now) a retraining learns from; also how far back a new node is scored.</summary>
    public TimeSpan TrainingWindow { get; init; } = TimeSpan.FromDays(7);
    /// <summary>Fewer readings than this in the window and the forest is not retrained (it would learn noise).</summary>
    public int MinTrainingRows { get; init; } = 256;
    /// <summary>A model file (`hil train anomaly --channels telemetry`) to start with when the database has none yet.</summary>
    public string? ModelPath { get; init; }
    public int Seed { get; init; } = 1;

    public void Validate()
    {
        if (ScoreInterval <= TimeSpan.Zero) throw new ArgumentException($"the anomaly score interval must be positive (got {ScoreInterval})");
        if (RetrainInterval is { } r && r <= TimeSpan.Zero) throw new ArgumentException($"the anomaly retrain interval must be positive (got {r})");
        if (TrainingWindow <= TimeSpan.Zero) throw new ArgumentException($"the anomaly training window must be positive (got {TrainingWindow})");
        if (MinTrainingRows < 2) throw new ArgumentException($"an isolation forest needs at least 2 training rows (got {MinTrainingRows})");
    }
}
