using Dapper;

namespace Hil.Backend.Storage;

// The anomaly detector's tables: the same SQL on SQLite and PostgreSQL (times as Unix milliseconds).
public abstract partial class SqlStore : IAnomalyStore
{
    /// <summary>The migration adding the anomaly tables; <paramref name="real"/>, <paramref name="integer"/> are the dialect's types.</summary>
    protected static string AnomalyTables(string integer, string real, string text) => $"""
        CREATE TABLE anomaly_scores (node_id {text} NOT NULL, telemetry_id {integer} NOT NULL, received_ms {integer} NOT NULL,
            score {real} NOT NULL, model_version {text} NOT NULL, scored_ms {integer} NOT NULL, PRIMARY KEY (node_id, telemetry_id));
        CREATE INDEX ix_anomaly_scores_node_time ON anomaly_scores (node_id, received_ms);
        CREATE TABLE anomaly_models (version {text} PRIMARY KEY, trained_ms {integer} NOT NULL, source {text} NOT NULL,
            rows_used {integer} NOT NULL, data_from_ms {integer}, data_to_ms {integer}, model {text} NOT NULL);
        """;

    public Task<IReadOnlyList<EnvironmentReading>> ReadEnvironmentAsync(string nodeId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<EnvironmentReading>>(async c => (await c.QueryAsync<EnvironmentRow>("""
            SELECT t.id, t.node_id, t.received_ms, t.temperature_c, t.humidity_pct, CAST(CASE WHEN s.telemetry_id IS NULL THEN 0 ELSE 1 END AS bigint) AS scored
            FROM telemetry t LEFT JOIN anomaly_scores s ON s.node_id = t.node_id AND s.telemetry_id = t.id
            WHERE t.node_id = @nodeId AND t.received_ms >= @from AND t.received_ms < @to
            ORDER BY t.received_ms, t.id
            """, new { nodeId, from = Ms.Of(from), to = Ms.Of(to) })).Select(r => r.ToRecord()).ToList(), cancellationToken);

    public Task<IReadOnlyDictionary<string, DateTimeOffset>> ScoredUpToAsync(CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyDictionary<string, DateTimeOffset>>(async c =>
            (await c.QueryAsync<(string NodeId, long Ms)>("SELECT node_id, MAX(received_ms) FROM anomaly_scores GROUP BY node_id"))
            .ToDictionary(r => r.NodeId, r => Ms.At(r.Ms)), cancellationToken);

    public Task WriteAnomalyScoresAsync(IReadOnlyList<NewAnomalyScore> scores, CancellationToken cancellationToken = default) =>
        UseAsync(async c =>
        {
            await using var tx = await c.BeginTransactionAsync(cancellationToken);
            await c.ExecuteAsync("""
                INSERT INTO anomaly_scores (node_id, telemetry_id, received_ms, score, model_version, scored_ms)
                VALUES (@NodeId, @TelemetryId, @ReceivedMs, @Score, @ModelVersion, @ScoredMs) ON CONFLICT DO NOTHING
                """, scores.Select(s => new { s.NodeId, s.TelemetryId, ReceivedMs = Ms.Of(s.ReceivedAt), s.Score, s.ModelVersion, ScoredMs = Ms.Of(s.ScoredAt) }), tx);
            await tx.CommitAsync(cancellationToken);
        }, cancellationToken);

    public Task<IReadOnlyList<AnomalyScoreRecord>> QueryAnomaliesAsync(string nodeId, DateTimeOffset from, DateTimeOffset to, double minScore, int limit,
        CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<AnomalyScoreRecord>>(async c => (await c.QueryAsync<AnomalyRow>("""
            SELECT s.node_id, s.received_ms, s.score, s.model_version, s.scored_ms, t.temperature_c, t.humidity_pct
            FROM anomaly_scores s JOIN telemetry t ON t.node_id = s.node_id AND t.received_ms = s.received_ms AND t.id = s.telemetry_id
            WHERE s.node_id = @nodeId AND s.received_ms >= @from AND s.received_ms < @to AND s.score >= @minScore
            ORDER BY s.received_ms, s.telemetry_id LIMIT @limit
            """, new { nodeId, from = Ms.Of(from), to = Ms.Of(to), minScore, limit = (long)limit })).Select(r => r.ToRecord()).ToList(), cancellationToken);

    public Task DeleteAnomalyScoresBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        UseAsync(c => c.ExecuteAsync("DELETE FROM anomaly_scores WHERE received_ms < @cutoff", new { cutoff = Ms.Of(cutoff) }), cancellationToken);

    public Task SaveAnomalyModelAsync(StoredAnomalyModel model, CancellationToken cancellationToken = default) =>
        UseAsync(c => c.ExecuteAsync("""
            INSERT INTO anomaly_models (version, trained_ms, source, rows_used, data_from_ms, data_to_ms, model)
            VALUES (@Version, @TrainedMs, @Source, @Rows, @DataFromMs, @DataToMs, @Model)
            """, new { model.Version, TrainedMs = Ms.Of(model.TrainedAt), model.Source, model.Rows,
            DataFromMs = model.DataFrom is { } f ? Ms.Of(f) : (long?)null, DataToMs = model.DataTo is { } t ? Ms.Of(t) : (long?)null, model.Model }), cancellationToken);

    public Task<StoredAnomalyModel?> LatestAnomalyModelAsync(CancellationToken cancellationToken = default) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<AnomalyModelRow>(
            "SELECT * FROM anomaly_models ORDER BY trained_ms DESC, version DESC LIMIT 1"))?.ToRecord(), cancellationToken);

    private sealed class EnvironmentRow
    {
        public long Id { get; set; }
        public string NodeId { get; set; } = "";
        public long ReceivedMs { get; set; }
        public double? TemperatureC { get; set; }
        public double? HumidityPct { get; set; }
        public long Scored { get; set; }
        public EnvironmentReading ToRecord() => new(Id, NodeId, Ms.At(ReceivedMs), TemperatureC, HumidityPct, Scored != 0);
    }

    private sealed class AnomalyRow
    {
        public string NodeId { get; set; } = "";
        public long ReceivedMs { get; set; }
        public double Score { get; set; }
        public string ModelVersion { get; set; } = "";
        public long ScoredMs { get; set; }
        public double? TemperatureC { get; set; }
        public double? HumidityPct { get; set; }
        public AnomalyScoreRecord ToRecord() => new(NodeId, Ms.At(ReceivedMs), Score, ModelVersion, Ms.At(ScoredMs), TemperatureC, HumidityPct);
    }

    private sealed class AnomalyModelRow
    {
        public string Version { get; set; } = "";
        public long TrainedMs { get; set; }
        public string Source { get; set; } = "";
        public long RowsUsed { get; set; }
        public long? DataFromMs { get; set; }
        public long? DataToMs { get; set; }
        public string Model { get; set; } = "";
        public StoredAnomalyModel ToRecord() => new(Version, Ms.At(TrainedMs), Source, (int)RowsUsed, Ms.At(DataFromMs), Ms.At(DataToMs), Model);
    }
}
