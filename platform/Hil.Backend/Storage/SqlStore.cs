using System.Data.Common;
using Dapper;

namespace Hil.Backend.Storage;

/// <summary>
/// The SQL both databases understand (upserts with ON CONFLICT, RETURNING, integer time buckets).
/// Subclasses supply connections, the schema migrations and the bulk telemetry write.
/// </summary>
public abstract partial class SqlStore : IBackendStore
{
    static SqlStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public abstract string Kind { get; }
    /// <summary>Where the data is, for error messages: a file, or host, database and user (never a password).</summary>
    protected abstract string Location { get; }
    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);
    protected abstract IReadOnlyList<string> Migrations { get; }
    protected abstract bool IsUnavailable(Exception e);
    public abstract Task<bool[]> WriteTelemetryAsync(IReadOnlyList<IngestedTelemetry> batch, CancellationToken cancellationToken = default);
    public abstract Task ApplyRetentionAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
    public abstract ValueTask DisposeAsync();

    /// <summary>Runs <paramref name="work"/> on an open connection; connection failures become <see cref="StoreUnavailableException"/>.</summary>
    protected Task<T> UseAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken) =>
        UseAsync(() => OpenAsync(cancellationToken), work, cancellationToken);

    /// <summary>As <see cref="UseAsync{T}(Func{DbConnection, Task{T}}, CancellationToken)"/>, on a connection from <paramref name="open"/>.</summary>
    protected async Task<T> UseAsync<T>(Func<ValueTask<DbConnection>> open, Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await open();
            return await work(connection);
        }
        catch (Exception e) when (IsUnavailable(e) && !cancellationToken.IsCancellationRequested)
        {
            throw new StoreUnavailableException($"{Kind} database unavailable: {e.Message}", e);
        }
    }

    protected Task UseAsync(Func<DbConnection, Task> work, CancellationToken cancellationToken) =>
        UseAsync(async c => { await work(c); return 0; }, cancellationToken);

    /// <summary>
    /// Brings the schema up to date. A database that answers but refuses (no privilege, a schema it cannot write) is one
    /// line naming where and why, not a driver exception: it happens at start-up, in front of whoever started the platform.
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await MigrateSchemaAsync(cancellationToken);
        }
        catch (DbException e) when (!IsUnavailable(e))
        {
            throw new InvalidOperationException($"{Kind} database {Location} cannot be set up: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    private Task MigrateSchemaAsync(CancellationToken cancellationToken) => UseAsync(async connection =>
    {
        await BeforeMigrationsAsync(connection);
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, applied_ms bigint NOT NULL)");
        long applied = await connection.ExecuteScalarAsync<long?>("SELECT MAX(version) FROM schema_migrations") ?? 0;
        for (int version = (int)applied + 1; version <= Migrations.Count; version++)
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(Migrations[version - 1], transaction: tx);
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version, applied_ms) VALUES (@version, @now)",
                new { version, now = Ms.Of(DateTimeOffset.UtcNow) }, tx);
            await tx.CommitAsync(cancellationToken);
        }
        await AfterMigrationsAsync(connection);
    }, cancellationToken);

    /// <summary>Settings that cannot run inside a migration's transaction (SQLite's journal mode).</summary>
    protected virtual Task BeforeMigrationsAsync(DbConnection connection) => Task.CompletedTask;

    /// <summary>What the store learns from the migrated schema (PostgreSQL: hypertable or partitions).</summary>
    protected virtual Task AfterMigrationsAsync(DbConnection connection) => Task.CompletedTask;

    public Task PingAsync(CancellationToken cancellationToken = default) =>
        UseAsync(c => c.ExecuteScalarAsync<long>("SELECT 1"), cancellationToken);

    /// <summary>Registers or refreshes the nodes a batch came from (first seen kept, last seen and versions updated).</summary>
    protected static Task UpsertNodesAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<IngestedTelemetry> batch, bool[] stored)
    {
        var nodes = NodeUpdates(batch, stored).Select(n => new { id = n.Id, fw = n.Fw, version = n.Version, first = n.First, last = n.Last, count = n.Count });
        return connection.ExecuteAsync("""
            INSERT INTO nodes (id, fw, protocol_version, first_seen_ms, last_seen_ms, message_count)
            VALUES (@id, @fw, @version, @first, @last, @count)
            ON CONFLICT (id) DO UPDATE SET fw = COALESCE(excluded.fw, nodes.fw), protocol_version = excluded.protocol_version,
                last_seen_ms = CASE WHEN excluded.last_seen_ms > nodes.last_seen_ms THEN excluded.last_seen_ms ELSE nodes.last_seen_ms END,
                message_count = nodes.message_count + excluded.message_count
            """, nodes, tx);
    }

    protected sealed record NodeUpdate(string Id, string? Fw, long Version, long First, long Last, long Count);

    protected static List<NodeUpdate> NodeUpdates(IReadOnlyList<IngestedTelemetry> batch, bool[] stored) =>
        batch.Select((item, i) => (item, stored: stored[i]))
            .GroupBy(x => x.item.Message.NodeId)
            .Select(g =>
            {
                var last = g.MaxBy(x => x.item.ReceivedAt).item;
                return new NodeUpdate(g.Key, g.Select(x => x.item.Message.Firmware).LastOrDefault(f => f is not null), last.Message.Version,
                    Ms.Of(g.Min(x => x.item.ReceivedAt)), Ms.Of(last.ReceivedAt), g.Count(x => x.stored));
            }).ToList();

    /// <summary>Migration 6 (both databases): a dead letter keeps a prefix of its payload with the whole size and digest.</summary>
    protected const string DeadLetterDigestMigration = """
        ALTER TABLE dead_letters ADD COLUMN payload_size bigint;
        ALTER TABLE dead_letters ADD COLUMN payload_sha256 text;
        """;

    public Task WriteDeadLettersAsync(IReadOnlyList<DeadLetter> batch, CancellationToken cancellationToken = default) =>
        UseAsync(async connection =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(
                """
                INSERT INTO dead_letters (received_ms, transport, topic, reason, payload, payload_size, payload_sha256)
                VALUES (@received, @transport, @topic, @reason, @payload, @size, @sha256)
                """,
                batch.Select(d => new { received = Ms.Of(d.ReceivedAt), transport = d.Transport, topic = d.Topic, reason = d.Reason, payload = d.Payload,
                    size = d.PayloadSize, sha256 = d.PayloadSha256 }), tx);
            await tx.CommitAsync(cancellationToken);
        }, cancellationToken);

    public Task SetNodeStatusAsync(string nodeId, bool online, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        UseAsync(c => c.ExecuteAsync("""
            INSERT INTO nodes (id, protocol_version, first_seen_ms, last_seen_ms, online, status_ms, message_count)
            VALUES (@nodeId, 0, @at, @at, @online, @at, 0)
            ON CONFLICT (id) DO UPDATE SET online = excluded.online, status_ms = excluded.status_ms
            """, new { nodeId, at = Ms.Of(at), online = online ? 1L : 0L }), cancellationToken);

    public Task WriteNodeLogAsync(string nodeId, string kind, string text, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        UseAsync(c => c.ExecuteAsync("INSERT INTO node_logs (node_id, received_ms, kind, text) VALUES (@nodeId, @at, @kind, @text)",
            new { nodeId, at = Ms.Of(at), kind, text }), cancellationToken);

    public Task<IReadOnlyList<NodeRecord>> ListNodesAsync(CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<NodeRecord>>(async c =>
            (await c.QueryAsync<NodeRow>("SELECT * FROM nodes ORDER BY id")).Select(r => r.ToRecord()).ToList(), cancellationToken);

    public Task<NodeRecord?> GetNodeAsync(string nodeId, CancellationToken cancellationToken = default) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<NodeRow>("SELECT * FROM nodes WHERE id = @nodeId", new { nodeId }))?.ToRecord(), cancellationToken);

    public Task<IReadOnlyList<TelemetryRecord>> QueryTelemetryAsync(string nodeId, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<TelemetryRecord>>(async c => (await c.QueryAsync<TelemetryRow>("""
            SELECT node_id, received_ms, transport, version, fw, boot, seq, uptime_ms, temperature_c, humidity_pct, battery_mv,
                   rssi_dbm, error_flags, audio_rms, audio_spike_ratio, audio_bins, model, label, p_event, model_version
            FROM telemetry WHERE node_id = @nodeId AND received_ms >= @from AND received_ms < @to
            ORDER BY received_ms, id LIMIT @limit
            """, new { nodeId, from = Ms.Of(from), to = Ms.Of(to), limit = (long)limit })).Select(r => r.ToRecord()).ToList(), cancellationToken);

    public Task<IReadOnlyList<AggregateBucket>> AggregateTelemetryAsync(string nodeId, DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<AggregateBucket>>(async c => (await c.QueryAsync<BucketRow>("""
            SELECT (received_ms / @bucket) * @bucket AS bucket_ms, COUNT(*) AS n,
                   AVG(temperature_c) AS t_avg, MIN(temperature_c) AS t_min, MAX(temperature_c) AS t_max,
                   AVG(humidity_pct) AS h_avg, MIN(humidity_pct) AS h_min, MAX(humidity_pct) AS h_max
            FROM telemetry WHERE node_id = @nodeId AND received_ms >= @from AND received_ms < @to
            GROUP BY (received_ms / @bucket) * @bucket ORDER BY bucket_ms
            """, new { nodeId, from = Ms.Of(from), to = Ms.Of(to), bucket = (long)bucket.TotalMilliseconds }))
            .Select(r => r.ToRecord()).ToList(), cancellationToken);

    public Task<IReadOnlyList<DeadLetterRecord>> ListDeadLettersAsync(long afterId, int limit, CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<DeadLetterRecord>>(async c => (await c.QueryAsync<DeadLetterRow>(
            "SELECT * FROM dead_letters WHERE id > @afterId ORDER BY id LIMIT @limit", new { afterId, limit = (long)limit }))
            .Select(r => r.ToRecord()).ToList(), cancellationToken);

    public Task<long> CountDeadLettersAsync(CancellationToken cancellationToken = default) =>
        UseAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM dead_letters"), cancellationToken);

    public Task<IReadOnlyList<NodeLogRecord>> ListNodeLogsAsync(string nodeId, string kind, int limit, CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<NodeLogRecord>>(async c => (await c.QueryAsync<LogRow>(
            "SELECT * FROM node_logs WHERE node_id = @nodeId AND kind = @kind ORDER BY id LIMIT @limit", new { nodeId, kind, limit = (long)limit }))
            .Select(r => r.ToRecord()).ToList(), cancellationToken);
}
