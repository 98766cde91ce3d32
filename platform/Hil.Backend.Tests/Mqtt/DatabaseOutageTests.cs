using System.Net;
using System.Text.Json;
using Hil.Backend.Hosting;
using Hil.Backend.Operations;
using Hil.Backend.Storage;
using Hil.Backend.Tests.Support;
using Hil.Mqtt.Broker;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hil.Backend.Tests.Mqtt;

/// <summary>
/// PostgreSQL stopped (or blocked) in the middle of an MQTT stream: every message is stored once, what waits is
/// bounded and visible (metrics, log, /ready), and a message the backend has not committed stays the broker's.
/// </summary>
public sealed class DatabaseOutageTests
{
    private static MqttClientOptions Device(string host, int port, string node) =>
        // A window wide enough for a whole outage: every message of it reaches the backend (held there), none waits in the client.
        new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId(node).WithMaxInFlight(1000).Build();

    private static Task PublishAsync(MqttClient device, string node, int seq) => device.PublishAsync(new MqttApplicationMessage($"devices/{node}/telemetry",
        $$"""{"v":2,"node_id":"{{node}}","boot":1,"seq":{{seq}},"temperature_c":20}""", MqttQos.AtLeastOnce));

    private static async Task<long[]> SeqsAsync(BackendHost backend, string node, int atLeast)
    {
        using var admin = new HttpClient { BaseAddress = backend.HttpAddress };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", backend.AdminToken);
        var rows = await Http.EventuallyAsync(async () =>
        {
            var response = await admin.GetAsync($"/api/v1/nodes/{node}/telemetry?limit=10000");
            return response.StatusCode == HttpStatusCode.OK ? await response.JsonAsync(HttpStatusCode.OK) : default;
        }, r => r.ValueKind == JsonValueKind.Array && r.GetArrayLength() >= atLeast, $"{atLeast} rows of {node}");
        return rows.EnumerateArray().Select(r => r.GetProperty("seq").GetInt64()).ToArray();
    }

    [Test]
    public async Task Messages_received_while_postgres_is_down_are_held_and_stored_when_it_is_back()
    {
        await using var server = await ScratchPostgres.StartAsync();
        string data = Directory.CreateTempSubdirectory("hil-outage-").FullName;
        try
        {
            await using var platform = await PlatformHost.StartAsync(new BackendOptions
            {
                HttpUrl = "http://127.0.0.1:0", DataDirectory = data, LogLevel = LogLevel.Error,
                PostgresConnectionString = await server.CreateDatabaseAsync(),
            });
            var metrics = platform.Backend.Services.GetRequiredService<BackendMetrics>();
            string node = RunningBackend.NewNodeId();
            await using var device = new MqttClient();
            Assert.That((await device.ConnectAsync(Device(platform.MqttHost, platform.MqttPort, node))).IsSuccess, Is.True);

            for (int seq = 0; seq < 100; seq++) await PublishAsync(device, node, seq);
            await Http.EventuallyAsync(() => Task.FromResult(metrics.Stored), n => n == 100, "the first 100 rows committed");
            await server.StopAsync();
            // Sent without waiting for their PUBACKs: on the embedded broker a PUBACK means "committed", so none comes until the database is back.
            Task[] outage = Enumerable.Range(100, 200).Select(seq => PublishAsync(device, node, seq)).ToArray();
            // The outage was really met: the pipeline is holding messages, not writing them.
            await Http.EventuallyAsync(() => Task.FromResult(metrics.WriteRetries), n => n > 0, "a retry while the database is down");
            Assert.That(metrics.Stored, Is.EqualTo(100));
            // The link kept reading: every message of the outage reached the backend, held (unacknowledged) or queued.
            await Http.EventuallyAsync(() => Task.FromResult(metrics.Held + metrics.Queue.Depth), n => n == 200, "all 200 messages of the outage held");
            using (var anonymous = new HttpClient { BaseAddress = platform.Backend.HttpAddress })
            {
                var ready = await anonymous.GetAsync("/ready");
                Assert.That((await ready.JsonAsync(HttpStatusCode.ServiceUnavailable)).GetProperty("status").GetString(), Is.EqualTo("unavailable"));
            }
            Assert.That(outage.Count(t => t.IsCompleted), Is.Zero, "no PUBACK for a message the database has not committed");
            await server.RestartAsync();

            await Task.WhenAll(outage).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.That(await SeqsAsync(platform.Backend, node, 300), Is.EqualTo(Enumerable.Range(0, 300).Select(i => (long)i)));
            Assert.That(metrics.Held, Is.Zero);
            Assert.That(metrics.WriteFailures, Is.Zero);
            Assert.That(await platform.Backend.Store.CountDeadLettersAsync(), Is.Zero);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Test]
    public async Task Messages_a_backend_had_not_committed_when_it_stopped_are_delivered_again_to_the_next_one()
    {
        await using var server = await ScratchPostgres.StartAsync();
        string connection = await server.CreateDatabaseAsync();
        // A broker of its own that outlives the backends, as an external broker does.
        await using var broker = new MqttBroker(new MqttBrokerOptions { Port = 0 });
        await broker.StartAsync();
        var brokerUri = new Uri($"mqtt://127.0.0.1:{broker.Port}");
        string data = Directory.CreateTempSubdirectory("hil-outage-").FullName;
        var options = new BackendOptions
        {
            HttpUrl = "http://127.0.0.1:0", DataDirectory = data, LogLevel = LogLevel.Error, PostgresConnectionString = connection,
        };
        try
        {
            string node = RunningBackend.NewNodeId();
            await using var device = new MqttClient();
            Assert.That((await device.ConnectAsync(Device("127.0.0.1", broker.Port, node))).IsSuccess, Is.True);
            await using (var first = await PlatformHost.StartAsync(options, externalBroker: brokerUri))
            {
                var metrics = first.Backend.Services.GetRequiredService<BackendMetrics>();
                for (int seq = 0; seq < 10; seq++) await PublishAsync(device, node, seq);
                await Http.EventuallyAsync(() => Task.FromResult(metrics.Stored), n => n == 10, "the first 10 rows committed");
                await server.StopAsync();
                for (int seq = 10; seq < 60; seq++) await PublishAsync(device, node, seq);
                await Http.EventuallyAsync(() => Task.FromResult(metrics.Held + metrics.Queue.Depth), n => n == 50, "the 50 messages of the outage held by the backend");
            }
            // The first backend is gone with 50 messages it never committed; the broker kept them for its session.
            await server.RestartAsync();
            await using var second = await PlatformHost.StartAsync(options, externalBroker: brokerUri);
            long[] seqs = await SeqsAsync(second.Backend, node, 60);
            Assert.That(seqs, Is.EqualTo(Enumerable.Range(0, 60).Select(i => (long)i)));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Test]
    public async Task A_full_ingest_queue_holds_the_broker_back_visibly_and_loses_nothing()
    {
        await using var server = await ScratchPostgres.StartAsync();
        string data = Directory.CreateTempSubdirectory("hil-outage-").FullName;
        var log = new CapturingLoggerProvider();
        try
        {
            string connection = await server.CreateDatabaseAsync();
            await using var platform = await PlatformHost.StartAsync(new BackendOptions
            {
                HttpUrl = "http://127.0.0.1:0", DataDirectory = data, LogLevel = LogLevel.Information, ExtraLogger = log,
                PostgresConnectionString = connection, IngestWriters = 1, IngestQueueCapacity = 20,
            });
            var metrics = platform.Backend.Services.GetRequiredService<BackendMetrics>();
            string node = RunningBackend.NewNodeId();
            await using var device = new MqttClient();
            Assert.That((await device.ConnectAsync(Device(platform.MqttHost, platform.MqttPort, node))).IsSuccess, Is.True);
            await PublishAsync(device, node, 0);
            await Http.EventuallyAsync(() => Task.FromResult(metrics.Stored), n => n == 1, "the first row committed");

            // The database answers but cannot write: a transaction holds the idempotency keys locked.
            await using var blocker = new Npgsql.NpgsqlConnection(connection);
            await blocker.OpenAsync();
            await using var lockTx = await blocker.BeginTransactionAsync();
            await using (var lockKeys = new Npgsql.NpgsqlCommand("LOCK TABLE telemetry_keys IN ACCESS EXCLUSIVE MODE", blocker, lockTx))
                await lockKeys.ExecuteNonQueryAsync();
            // Not waiting for each PUBACK: on the embedded broker it comes with the commit, which the lock holds up.
            Task[] blocked = Enumerable.Range(1, 199).Select(seq => PublishAsync(device, node, seq)).ToArray();

            await Http.EventuallyAsync(() => Task.FromResult(metrics.QueueFull), n => n > 0, "the link held back by the full queue");
            // The writer may take the full queue as its (blocked) batch just after a sender was held back: the queue then
            // refills from the link, so its depth is awaited, not read at the instant the first sender waited.
            await Http.EventuallyAsync(() => Task.FromResult(metrics.Queue), q => q == (20L, 20L), "the queue full while the database is locked");
            Assert.That(log.Lines.Count(l => l.Contains("Ingest queue full", StringComparison.Ordinal)), Is.EqualTo(1), "logged once per episode");
            using var anonymous = new HttpClient { BaseAddress = platform.Backend.HttpAddress };
            var ready = await anonymous.GetAsync("/ready");
            var report = await ready.JsonAsync(HttpStatusCode.ServiceUnavailable);
            Assert.That(report.GetProperty("status").GetString(), Is.EqualTo("degraded"));
            Assert.That(report.GetProperty("detail").GetString(), Does.Contain("ingest queue full"));
            Assert.That(await (await anonymous.GetAsync("/metrics")).Content.ReadAsStringAsync(), Does.Contain("hil_ingest_queue_depth 20"));

            await lockTx.RollbackAsync();
            await Task.WhenAll(blocked).WaitAsync(TimeSpan.FromSeconds(60));
            long[] seqs = await SeqsAsync(platform.Backend, node, 200);
            Assert.That(seqs, Is.EqualTo(Enumerable.Range(0, 200).Select(i => (long)i)));
            await Http.EventuallyAsync(async () => (await anonymous.GetAsync("/ready")).StatusCode, c => c == HttpStatusCode.OK, "ready again");
            Assert.That(log.Lines.Any(l => l.Contains("Ingest queue drained", StringComparison.Ordinal)), Is.True);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
