namespace Hil.Backend.Storage;

/// <summary>A stored telemetry reading as the anomaly detector sees it.</summary>
public sealed record EnvironmentReading(long TelemetryId, string NodeId, DateTimeOffset ReceivedAt, double? TemperatureC, double? HumidityPct, bool Scored);

/// <summary>One reading's anomaly score (0..1, near 1 anomalous) and the model that gave it.</summary>
public sealed record AnomalyScoreRecord(string NodeId, DateTimeOffset ReceivedAt, double Score, string ModelVersion, DateTimeOffset ScoredAt,
    double? TemperatureC, double? HumidityPct);

public sealed record NewAnomalyScore(long TelemetryId, string NodeId, DateTimeOffset ReceivedAt, double Score, string ModelVersion, DateTimeOffset ScoredAt);

/// <summary>A trained forest as stored: when, from what, and the model file itself (JSON).</summary>
public sealed record StoredAnomalyModel(string Version, DateTimeOffset TrainedAt, string Source, int Rows, DateTimeOffset? DataFrom,
    DateTimeOffset? DataTo, string Model);

/// <summary>
/// What the anomaly detector keeps, next to <see cref="IBackendStore"/> and implemented by the same stores (same
/// database, same migrations): scores per telemetry row, and every model it trained.
/// </summary>
public interface IAnomalyStore
{
    /// <summary>Readings of one node received in [from, to), oldest first, each marked whether it already has a score.</summary>
    Task<IReadOnlyList<EnvironmentReading>> ReadEnvironmentAsync(string nodeId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);
    /// <summary>Per node, the arrival time of its newest scored reading.</summary>
    Task<IReadOnlyDictionary<string, DateTimeOffset>> ScoredUpToAsync(CancellationToken cancellationToken = default);
    Task WriteAnomalyScoresAsync(IReadOnlyList<NewAnomalyScore> scores, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<AnomalyScoreRecord>> QueryAnomaliesAsync(string nodeId, DateTimeOffset from, DateTimeOffset to, double minScore, int limit,
        CancellationToken cancellationToken = default);
    Task DeleteAnomalyScoresBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
    Task SaveAnomalyModelAsync(StoredAnomalyModel model, CancellationToken cancellationToken = default);
    Task<StoredAnomalyModel?> LatestAnomalyModelAsync(CancellationToken cancellationToken = default);
}
