using System.Collections.Concurrent;
using System.Data.Common;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Hil.Backend.Storage;

/// <summary>How PostgreSQL splits telemetry by time: TimescaleDB chunks, or declarative range partitions.</summary>
public enum TelemetryLayout { Partitions, Hypertable }

/// <summary>
/// PostgreSQL through Npgsql: telemetry range-partitioned by day of arrival, written with binary COPY into a
/// staging table. A partitioned table's unique index must include the partition key, so redelivery of
/// (node, boot, seq) is caught by a separate <c>telemetry_keys</c> table instead.
/// </summary>
public sealed class PostgresStore(string connectionString) : SqlStore
{
    private static readonly TimeSpan PartitionSpan = TimeSpan.FromDays(1);
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);
    private readonly NpgsqlDataSource _writerSource = WriterSource(connectionString);

    /// <summary>
    /// Telemetry writers keep their session between batches, so the temporary staging table is created once per
    /// physical connection (not dropped by the pool's DISCARD ALL and recreated, with catalog writes, every batch,
    /// nor asked for again: one round trip less per batch); their few statements are prepared once. Only
    /// WriteTelemetryAsync uses this source.
    /// </summary>
    private static NpgsqlDataSource WriterSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(connectionString)
            { NoResetOnClose = true, MaxAutoPrepare = 8, AutoPrepareMinUsages = 2 }.ConnectionString);
        const string staging = $"CREATE TEMP TABLE telemetry_staging (ord bigint, {StagingColumns}) ON COMMIT DELETE ROWS";
        builder.UsePhysicalConnectionInitializer(
            connection => { using var create = new NpgsqlCommand(staging, connection); create.ExecuteNonQuery(); },
            async connection => { await using var create = new NpgsqlCommand(staging, connection); await create.ExecuteNonQueryAsync(); });
        return builder.Build();
    }
    private readonly ConcurrentDictionary<long, bool> _partitions = new();

    public override string Kind => "postgres";

    protected override string Location { get; } = new NpgsqlConnectionStringBuilder(connectionString) is var b
        ? $"at {b.Host}:{b.Port}, database '{b.Database}' as user '{b.Username}'" : "";

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    // Connection-level failures (refused, reset, server shutting down, too many clients) mean "try later";
    // anything else reaching here is a defect and stays a 500.
    protected override bool IsUnavailable(Exception e) => e switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
                                || pg.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException => true,
        _ => false,
    };

    /// <summary>How telemetry is split by time; known once <see cref="SqlStore.MigrateAsync"/> has run.</summary>
    public TelemetryLayout Layout { get; private set; } = TelemetryLayout.Partitions;

    private bool _timescale;

    /// <summary>
    /// TimescaleDB is used when its extension is installed in this database, or available and preloaded (CREATE
    /// EXTENSION needs shared_preload_libraries). A database keeps the layout it was created with.
    /// shared_preload_libraries is readable only by superusers and pg_read_all_settings: current_setting() fails for a
    /// least-privilege owner (42501), while pg_settings just hides the row, which reads as "nothing preloaded".
    /// </summary>
    protected override async Task BeforeMigrationsAsync(DbConnection connection)
    {
        var found = await connection.QuerySingleAsync<(bool Installed, bool Available, string Preload)>("""
            SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'),
                   EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'),
                   COALESCE((SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'), '')
            """);
        _timescale = TimescaleUsable(found.Installed, found.Available, found.Preload);
    }

    internal static bool TimescaleUsable(bool installed, bool available, string preloadLibraries) =>
        installed || (available && preloadLibraries.Split(',', StringSplitOptions.TrimEntries).Contains("timescaledb"));

    protected override async Task AfterMigrationsAsync(DbConnection connection) =>
        Layout = await connection.ExecuteScalarAsync<char>("SELECT relkind FROM pg_class WHERE oid = 'telemetry'::regclass") == 'p'
            ? TelemetryLayout.Partitions : TelemetryLayout.Hypertable;

    /// <summary>Day-sized chunks either way: a hypertable when TimescaleDB is usable, declarative partitions otherwise.</summary>
    internal static string TelemetryTable(bool timescale) => timescale
        ? $"""
          CREATE EXTENSION IF NOT EXISTS timescaledb;
          CREATE TABLE telemetry ({TelemetryColumns});
          SELECT create_hypertable('telemetry', 'received_ms', chunk_time_interval => {(long)PartitionSpan.TotalMilliseconds});
          """
        : $"CREATE TABLE telemetry ({TelemetryColumns}) PARTITION BY RANGE (received_ms);";

    private const string TelemetryColumns = """
        id bigserial, node_id text NOT NULL, received_ms bigint NOT NULL, transport text NOT NULL,
            version bigint NOT NULL, fw text, boot bigint, seq bigint, uptime_ms bigint, temperature_c double precision,
            humidity_pct double precision, battery_mv bigint, rssi_dbm bigint, error_flags bigint, audio_rms double precision,
            audio_spike_ratio double precision, audio_bins text, model text, label text, p_event double precision
        """;

    protected override IReadOnlyList<string> Migrations =>
    [
        $$"""
        CREATE TABLE nodes (id text PRIMARY KEY, fw text, protocol_version bigint NOT NULL, first_seen_ms bigint NOT NULL,
            last_seen_ms bigint NOT NULL, online bigint, status_ms bigint, message_count bigint NOT NULL DEFAULT 0);
        {{TelemetryTable(_timescale)}}
        CREATE INDEX ix_telemetry_node_time ON telemetry (node_id, received_ms);
        CREATE TABLE telemetry_keys (node_id text NOT NULL, boot bigint NOT NULL, seq bigint NOT NULL, received_ms bigint NOT NULL,
            PRIMARY KEY (node_id, boot, seq));
        CREATE TABLE dead_letters (id bigserial PRIMARY KEY, received_ms bigint NOT NULL, transport text NOT NULL, topic text,
            reason text NOT NULL, payload bytea NOT NULL);
        CREATE TABLE node_logs (id bigserial PRIMARY KEY, node_id text NOT NULL, received_ms bigint NOT NULL, kind text NOT NULL, text text NOT NULL);
        CREATE INDEX ix_node_logs ON node_logs (node_id, kind, id);
        CREATE TABLE commands (id text PRIMARY KEY, node_id text NOT NULL, type text NOT NULL, params text, status text NOT NULL,
            created_ms bigint NOT NULL, expires_ms bigint NOT NULL, delivered_ms bigint, delivered_via text, completed_ms bigint,
            expired_ms bigint, detail text);
        CREATE INDEX ix_commands_node_status ON commands (node_id, status);
        CREATE TABLE users (name text PRIMARY KEY, role text NOT NULL, created_ms bigint NOT NULL, revoked_ms bigint);
        CREATE TABLE api_keys (id text PRIMARY KEY, node_id text NOT NULL, hash bytea NOT NULL UNIQUE, created_ms bigint NOT NULL, revoked_ms bigint);
        """,
        InferenceTables(id: "bigserial", "bigint", "double precision", "text"),
        AnomalyTables("bigint", "double precision", "text"),
        CommandDeliveriesMigration,
        UserTokenEpochMigration,
        DeadLetterDigestMigration,
    ];

    private const string Columns = "node_id, received_ms, transport, version, fw, boot, seq, uptime_ms, temperature_c, humidity_pct, " +
                                   "battery_mv, rssi_dbm, error_flags, audio_rms, audio_spike_ratio, audio_bins, model, label, p_event, model_version";

    public override Task<bool[]> WriteTelemetryAsync(IReadOnlyList<IngestedTelemetry> batch, CancellationToken cancellationToken = default) =>
        UseAsync(async () => await _writerSource.OpenConnectionAsync(cancellationToken), async connection =>
        {
            var pg = (NpgsqlConnection)connection;
            var stored = new bool[batch.Count];
            // A key repeated inside one batch is a duplicate of its first occurrence; only first occurrences are staged.
            var seen = new HashSet<(string, long, long)>();
            var staged = new List<int>(batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                var m = batch[i].Message;
                if (!m.HasIdentity || seen.Add((m.NodeId, m.Boot!.Value, m.Seq!.Value))) staged.Add(i);
            }
            foreach (long start in staged.Select(i => PartitionStart(batch[i].ReceivedAt)).Distinct())
                await EnsurePartitionAsync(pg, start, cancellationToken);

            await using var tx = await pg.BeginTransactionAsync(cancellationToken);
            await using (var copy = await pg.BeginBinaryImportAsync($"COPY telemetry_staging (ord, {Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (int i in staged) WriteRow(copy, i, TelemetryRow.From(batch[i]));
                await copy.CompleteAsync(cancellationToken);
            }
            // One statement, one round trip: the keys, the rows and the batch's nodes.
            var inserted = await pg.QueryAsync<long>($"""
                WITH fresh AS (
                    INSERT INTO telemetry_keys (node_id, boot, seq, received_ms)
                    SELECT node_id, boot, seq, received_ms FROM telemetry_staging WHERE seq IS NOT NULL AND boot IS NOT NULL
                    ON CONFLICT DO NOTHING RETURNING node_id, boot, seq),
                chosen AS (
                    -- A join, not EXISTS per row: the planner can hash it, where a correlated CTE scan is quadratic in the batch.
                    SELECT s.* FROM telemetry_staging s LEFT JOIN fresh f ON f.node_id = s.node_id AND f.boot = s.boot AND f.seq = s.seq
                    WHERE s.seq IS NULL OR s.boot IS NULL OR f.seq IS NOT NULL),
                written AS (
                    INSERT INTO telemetry ({Columns}) SELECT {Columns} FROM chosen ORDER BY ord RETURNING 1),
                stored_per_node AS (SELECT node_id, count(*) AS n FROM chosen GROUP BY node_id),
                seen AS (
                    -- As SqlStore.NodeUpdates: the last firmware named, the version of the latest message, stored rows counted.
                    INSERT INTO nodes (id, fw, protocol_version, first_seen_ms, last_seen_ms, message_count)
                    SELECT s.node_id, (array_agg(s.fw ORDER BY s.ord DESC) FILTER (WHERE s.fw IS NOT NULL))[1],
                           (array_agg(s.version ORDER BY s.received_ms DESC, s.ord))[1], min(s.received_ms), max(s.received_ms),
                           COALESCE(max(c.n), 0)
                    FROM telemetry_staging s LEFT JOIN stored_per_node c ON c.node_id = s.node_id GROUP BY s.node_id
                    ON CONFLICT (id) DO UPDATE SET fw = COALESCE(excluded.fw, nodes.fw), protocol_version = excluded.protocol_version,
                        last_seen_ms = GREATEST(excluded.last_seen_ms, nodes.last_seen_ms), message_count = nodes.message_count + excluded.message_count
                    RETURNING 1)
                SELECT ord FROM chosen
                """, transaction: tx);
            foreach (long ord in inserted) stored[ord] = true;
            await tx.CommitAsync(cancellationToken);
            return stored;
        }, cancellationToken);

    private const string StagingColumns = "node_id text, received_ms bigint, transport text, version bigint, fw text, boot bigint, seq bigint, " +
        "uptime_ms bigint, temperature_c double precision, humidity_pct double precision, battery_mv bigint, rssi_dbm bigint, " +
        "error_flags bigint, audio_rms double precision, audio_spike_ratio double precision, audio_bins text, model text, label text, p_event double precision, " +
        "model_version bigint";

    // Synchronous writes into the importer's buffer (it sends a full buffer to the loopback server): an awaited
    // call per field was most of the client's time per row.
    private static void WriteRow(NpgsqlBinaryImporter copy, long ord, TelemetryRow r)
    {
        copy.StartRow();
        copy.Write(ord, NpgsqlDbType.Bigint);
        copy.Write(r.NodeId, NpgsqlDbType.Text);
        copy.Write(r.ReceivedMs, NpgsqlDbType.Bigint);
        copy.Write(r.Transport, NpgsqlDbType.Text);
        copy.Write(r.Version, NpgsqlDbType.Bigint);
        Nullable(copy, r.Fw, NpgsqlDbType.Text);
        Nullable(copy, r.Boot, NpgsqlDbType.Bigint);
        Nullable(copy, r.Seq, NpgsqlDbType.Bigint);
        Nullable(copy, r.UptimeMs, NpgsqlDbType.Bigint);
        Nullable(copy, r.TemperatureC, NpgsqlDbType.Double);
        Nullable(copy, r.HumidityPct, NpgsqlDbType.Double);
        Nullable(copy, r.BatteryMv, NpgsqlDbType.Bigint);
        Nullable(copy, r.RssiDbm, NpgsqlDbType.Bigint);
        Nullable(copy, r.ErrorFlags, NpgsqlDbType.Bigint);
        Nullable(copy, r.AudioRms, NpgsqlDbType.Double);
        Nullable(copy, r.AudioSpikeRatio, NpgsqlDbType.Double);
        Nullable(copy, r.AudioBins, NpgsqlDbType.Text);
        Nullable(copy, r.Model, NpgsqlDbType.Text);
        Nullable(copy, r.Label, NpgsqlDbType.Text);
        Nullable(copy, r.PEvent, NpgsqlDbType.Double);
        Nullable(copy, r.ModelVersion, NpgsqlDbType.Bigint);
    }

    private static void Nullable(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type)
    {
        if (value is null) copy.WriteNull(); else copy.Write(value, type);
    }

    private static void Nullable<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type) where T : struct
    {
        if (value is { } v) copy.Write(v, type); else copy.WriteNull();
    }

    private static long PartitionStart(DateTimeOffset t)
    {
        long span = (long)PartitionSpan.TotalMilliseconds;
        long ms = Ms.Of(t);
        return ms - ((ms % span) + span) % span;
    }

    private async Task EnsurePartitionAsync(NpgsqlConnection connection, long start, CancellationToken cancellationToken)
    {
        // A hypertable makes its chunks itself.
        if (Layout == TelemetryLayout.Hypertable || _partitions.ContainsKey(start)) return;
        long end = start + (long)PartitionSpan.TotalMilliseconds;
        string name = $"telemetry_{Ms.At(start):yyyyMMdd}";
        try
        {
            await connection.ExecuteAsync($"CREATE TABLE IF NOT EXISTS {name} PARTITION OF telemetry FOR VALUES FROM ({start}) TO ({end})");
        }
        catch (PostgresException e) when (e.SqlState is "42P07" or "23505")
        {
            // Another writer created it between our IF NOT EXISTS check and the create: that is what we wanted.
        }
        _partitions[start] = true;
    }

    public override Task ApplyRetentionAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        UseAsync(async c =>
        {
            long cutoffMs = Ms.Of(cutoff);
            if (Layout == TelemetryLayout.Hypertable)
            {
                await c.ExecuteAsync("SELECT drop_chunks('telemetry', older_than => @cutoff::bigint)", new { cutoff = cutoffMs });
                await c.ExecuteAsync("DELETE FROM telemetry_keys WHERE received_ms < @cutoff", new { cutoff = cutoffMs });
                await DeleteInferencesBeforeAsync(c, cutoff);
                return;
            }
            var partitions = await c.QueryAsync<string>("""
                SELECT child.relname FROM pg_inherits JOIN pg_class parent ON parent.oid = inhparent
                JOIN pg_class child ON child.oid = inhrelid WHERE parent.relname = 'telemetry'
                """);
            foreach (string name in partitions)
            {
                // Whole partitions older than the cutoff are dropped (cheap); the partition spanning it keeps its rows.
                if (!DateTime.TryParseExact(name["telemetry_".Length..], "yyyyMMdd", null,
                        System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var day)) continue;
                long end = Ms.Of(new DateTimeOffset(day, TimeSpan.Zero)) + (long)PartitionSpan.TotalMilliseconds;
                if (end > cutoffMs) continue;
                await c.ExecuteAsync($"DROP TABLE IF EXISTS {name}");
                _partitions.TryRemove(end - (long)PartitionSpan.TotalMilliseconds, out _);
            }
            await c.ExecuteAsync("DELETE FROM telemetry_keys WHERE received_ms < @cutoff", new { cutoff = cutoffMs });
            await DeleteInferencesBeforeAsync(c, cutoff);
        }, cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        await _writerSource.DisposeAsync();
        await _dataSource.DisposeAsync();
    }
}
