using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Hil.Backend.Storage;

/// <summary>The embedded default: one SQLite file in WAL mode; redelivery is caught by a partial unique index.</summary>
public sealed class SqliteStore(string path) : SqlStore
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 10,
    }.ToString();

    private int _filePrivate;

    public override string Kind => "sqlite";

    protected override string Location => path;

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _filePrivate, 1) == 0) MakeOwnerOnly(path);
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // WAL is a property of the file; synchronous=NORMAL (safe under WAL) is per connection.
        await connection.ExecuteAsync("PRAGMA synchronous=NORMAL");
        return connection;
    }

    /// <summary>
    /// The database holds key hashes and every node's data: owner-only, like the JWT key beside it. SQLite creates its -wal
    /// and -shm files with the main file's permissions, so the main file is created (empty, which SQLite accepts as a new
    /// database) with 0600 before SQLite first opens it; files left 0644 by an older version are tightened.
    /// </summary>
    private static void MakeOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows() || path == ":memory:") return;
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (!File.Exists(path))
        {
            try
            {
                using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly });
            }
            catch (IOException) when (File.Exists(path))
            {
                // Created meanwhile by another store on the same file: tightened below.
            }
        }
        foreach (string file in new[] { path, path + "-wal", path + "-shm" })
            if (File.Exists(file) && File.GetUnixFileMode(file) != OwnerOnly) File.SetUnixFileMode(file, OwnerOnly);
    }

    protected override bool IsUnavailable(Exception e) =>
        e is SqliteException { SqliteErrorCode: 5 or 6 or 8 or 10 or 13 or 14 };

    protected override IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE TABLE nodes (id TEXT PRIMARY KEY, fw TEXT, protocol_version INTEGER NOT NULL, first_seen_ms INTEGER NOT NULL,
            last_seen_ms INTEGER NOT NULL, online INTEGER, status_ms INTEGER, message_count INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE telemetry (id INTEGER PRIMARY KEY, node_id TEXT NOT NULL, received_ms INTEGER NOT NULL, transport TEXT NOT NULL,
            version INTEGER NOT NULL, fw TEXT, boot INTEGER, seq INTEGER, uptime_ms INTEGER, temperature_c REAL, humidity_pct REAL,
            battery_mv INTEGER, rssi_dbm INTEGER, error_flags INTEGER, audio_rms REAL, audio_spike_ratio REAL, audio_bins TEXT,
            model TEXT, label TEXT, p_event REAL);
        CREATE INDEX ix_telemetry_node_time ON telemetry (node_id, received_ms);
        CREATE UNIQUE INDEX ux_telemetry_identity ON telemetry (node_id, boot, seq) WHERE seq IS NOT NULL;
        CREATE TABLE dead_letters (id INTEGER PRIMARY KEY, received_ms INTEGER NOT NULL, transport TEXT NOT NULL, topic TEXT,
            reason TEXT NOT NULL, payload BLOB NOT NULL);
        CREATE TABLE node_logs (id INTEGER PRIMARY KEY, node_id TEXT NOT NULL, received_ms INTEGER NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL);
        CREATE INDEX ix_node_logs ON node_logs (node_id, kind, id);
        CREATE TABLE commands (id TEXT PRIMARY KEY, node_id TEXT NOT NULL, type TEXT NOT NULL, params TEXT, status TEXT NOT NULL,
            created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, delivered_ms INTEGER, delivered_via TEXT, completed_ms INTEGER,
            expired_ms INTEGER, detail TEXT);
        CREATE INDEX ix_commands_node_status ON commands (node_id, status);
        CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, created_ms INTEGER NOT NULL, revoked_ms INTEGER);
        CREATE TABLE api_keys (id TEXT PRIMARY KEY, node_id TEXT NOT NULL, hash BLOB NOT NULL UNIQUE, created_ms INTEGER NOT NULL, revoked_ms INTEGER);
        """,
        InferenceTables(id: "INTEGER", "INTEGER", "REAL", "TEXT"),
        AnomalyTables("INTEGER", "REAL", "TEXT"),
        CommandDeliveriesMigration,
        UserTokenEpochMigration,
        DeadLetterDigestMigration,
    ];

    protected override Task BeforeMigrationsAsync(DbConnection connection) => connection.ExecuteAsync("PRAGMA journal_mode=WAL");

    private const string InsertTelemetry = """
        INSERT INTO telemetry (node_id, received_ms, transport, version, fw, boot, seq, uptime_ms, temperature_c, humidity_pct,
            battery_mv, rssi_dbm, error_flags, audio_rms, audio_spike_ratio, audio_bins, model, label, p_event, model_version)
        VALUES ($node_id, $received_ms, $transport, $version, $fw, $boot, $seq, $uptime_ms, $temperature_c, $humidity_pct,
            $battery_mv, $rssi_dbm, $error_flags, $audio_rms, $audio_spike_ratio, $audio_bins, $model, $label, $p_event, $model_version)
        ON CONFLICT DO NOTHING
        """;

    public override Task<bool[]> WriteTelemetryAsync(IReadOnlyList<IngestedTelemetry> batch, CancellationToken cancellationToken = default) =>
        UseAsync(async connection =>
        {
            var stored = new bool[batch.Count];
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            // One prepared statement per batch: SQLite's cost is the commit, not the rows.
            await using var insert = (SqliteCommand)connection.CreateCommand();
            insert.Transaction = (SqliteTransaction)tx;
            insert.CommandText = InsertTelemetry;
            string[] names = ["node_id", "received_ms", "transport", "version", "fw", "boot", "seq", "uptime_ms", "temperature_c",
                "humidity_pct", "battery_mv", "rssi_dbm", "error_flags", "audio_rms", "audio_spike_ratio", "audio_bins", "model", "label", "p_event", "model_version"];
            foreach (string name in names) insert.Parameters.Add(new SqliteParameter("$" + name, null));
            for (int i = 0; i < batch.Count; i++)
            {
                var r = TelemetryRow.From(batch[i]);
                object?[] values = [r.NodeId, r.ReceivedMs, r.Transport, r.Version, r.Fw, r.Boot, r.Seq, r.UptimeMs, r.TemperatureC,
                    r.HumidityPct, r.BatteryMv, r.RssiDbm, r.ErrorFlags, r.AudioRms, r.AudioSpikeRatio, r.AudioBins, r.Model, r.Label, r.PEvent, r.ModelVersion];
                for (int p = 0; p < values.Length; p++) insert.Parameters[p].Value = values[p] ?? DBNull.Value;
                stored[i] = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
            }
            await UpsertNodesAsync(connection, tx, batch, stored);
            await tx.CommitAsync(cancellationToken);
            return stored;
        }, cancellationToken);

    public override Task ApplyRetentionAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) =>
        UseAsync(async c =>
        {
            await c.ExecuteAsync("DELETE FROM telemetry WHERE received_ms < @cutoff", new { cutoff = Ms.Of(cutoff) });
            await DeleteInferencesBeforeAsync(c, cutoff);
        }, cancellationToken);

    public override ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open (and its WAL) until the pool is cleared.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
