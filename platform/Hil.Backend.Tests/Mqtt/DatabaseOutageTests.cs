using System.Net;
using System.Text.Json;
using Hil.Backend.Hosting;
using Hil.Backend.Operations;
using Hil.Backend.Storage;
using Hil.Backend.Tests.Support;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hil.Backend.Tests.Mqtt;

/// <summary>PostgreSQL stopped in the middle of an MQTT stream and started again: every message is stored once.</summary>
public sealed class DatabaseOutageTests
{
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
            Assert.That((await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(platform.MqttHost, platform.MqttPort)
                .WithClientId(node).Build())).IsSuccess, Is.True);
            Task PublishAsync(int seq) => device.PublishAsync(new MqttApplicationMessage($"devices/{node}/telemetry",
                $$"""{"v":2,"node_id":"{{node}}","boot":1,"seq":{{seq}},"temperature_c":20}""", MqttQos.AtLeastOnce));

            for (int seq = 0; seq < 100; seq++) await PublishAsync(seq);
            await Http.EventuallyAsync(() => Task.FromResult(metrics.Stored), n => n == 100, "the first 100 rows committed");
            await server.StopAsync();
            for (int seq = 100; seq < 300; seq++) await PublishAsync(seq);
            // The outage was really met: the pipeline is holding messages, not writing them.
            await Http.EventuallyAsync(() => Task.FromResult(metrics.WriteRetries), n => n > 0, "a retry while the database is down");
            Assert.That(metrics.Stored, Is.EqualTo(100));
            await server.RestartAsync();

            using var admin = new HttpClient { BaseAddress = platform.Backend.HttpAddress };
            admin.DefaultRequestHeaders.Authorization = new("Bearer", platform.Backend.AdminToken);
            var rows = await Http.EventuallyAsync(async () =>
            {
                var response = await admin.GetAsync($"/api/v1/nodes/{node}/telemetry?limit=10000");
                return response.StatusCode == HttpStatusCode.OK ? await response.JsonAsync(HttpStatusCode.OK) : default;
            }, r => r.ValueKind == JsonValueKind.Array && r.GetArrayLength() >= 300, "300 rows after the restart");
            Assert.That(rows.EnumerateArray().Select(r => r.GetProperty("seq").GetInt64()), Is.EqualTo(Enumerable.Range(0, 300).Select(i => (long)i)));
            Assert.That(metrics.WriteFailures, Is.Zero);
            Assert.That(await platform.Backend.Store.CountDeadLettersAsync(), Is.Zero);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
