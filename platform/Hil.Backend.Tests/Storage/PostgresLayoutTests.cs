using Dapper;
using Hil.Backend.Storage;
using Npgsql;

namespace Hil.Backend.Tests.Storage;

/// <summary>TimescaleDB detection. Debian ships no timescaledb package here, so the real server exercises the fallback.</summary>
public sealed class PostgresLayoutTests
{
    [Test]
    public async Task Without_timescaledb_telemetry_is_range_partitioned_by_day()
    {
        await using var server = await ScratchPostgres.StartAsync();
        string connection = await server.CreateDatabaseAsync();
        await using var store = new PostgresStore(connection);
        await store.MigrateAsync();

        await using var source = NpgsqlDataSource.Create(connection);
        await using var db = await source.OpenConnectionAsync();
        bool available = await db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')");
        Assume.That(available, Is.False, "this server offers timescaledb: the fallback is not what it would use");
        Assert.That(store.Layout, Is.EqualTo(TelemetryLayout.Partitions));
        Assert.That(await db.ExecuteScalarAsync<string>("SELECT partstrat::text FROM pg_partitioned_table WHERE partrelid = 'telemetry'::regclass"), Is.EqualTo("r"));
        await store.WriteTelemetryAsync([new IngestedTelemetry(new Hil.Backend.Protocol.TelemetryMessage { NodeId = "a1b2c3d4e5f6", Version = 1 },
            DateTimeOffset.Parse("2026-03-04T05:06:07Z"), "http")]);
        Assert.That(await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM telemetry_20260304"), Is.EqualTo(1), "the day's partition holds the row");
    }

    [TestCase(true, false, "", ExpectedResult = true)]
    [TestCase(false, true, "pg_stat_statements, timescaledb", ExpectedResult = true)]
    [TestCase(false, true, "", ExpectedResult = false)] // available but not preloaded: CREATE EXTENSION would fail
    [TestCase(false, false, "timescaledb", ExpectedResult = false)]
    public bool Timescaledb_is_used_only_when_installed_or_available_and_preloaded(bool installed, bool available, string preload) =>
        PostgresStore.TimescaleUsable(installed, available, preload);

    [Test]
    public void The_hypertable_schema_makes_day_chunks_and_the_fallback_day_partitions()
    {
        Assert.That(PostgresStore.TelemetryTable(true), Does.Contain("create_hypertable('telemetry', 'received_ms', chunk_time_interval => 86400000)")
            .And.Not.Contain("PARTITION BY"));
        Assert.That(PostgresStore.TelemetryTable(false), Does.Contain("PARTITION BY RANGE (received_ms)").And.Not.Contain("timescaledb"));
    }
}
