using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Hil.Backend.Storage;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;

namespace Hil.Cli.Tests;

/// <summary>
/// `hil platform up` killed with SIGKILL in the middle of a stream of QoS 1 telemetry, three times at different points,
/// and started again on the same data: every reading the broker acknowledged (PUBACK) is stored, exactly once.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public sealed class PlatformDurabilityTests(string storage)
{
    private const string Node = "00000000d0a1";
    // Kills after this many PUBACKs of the round: early (the first batches), mid-stream, and deep into a long one.
    private static readonly int[] KillAfter = [150, 1200, 3000];

    [Test]
    public async Task Every_acknowledged_reading_survives_a_kill_minus_9_stored_exactly_once()
    {
        string data = Directory.CreateTempSubdirectory("hil-durability-").FullName;
        ScratchPostgres? postgres = storage == "postgres" ? await ScratchPostgres.StartAsync() : null;
        try
        {
            string[] extra = postgres is null ? [] : ["--postgres", await postgres.CreateDatabaseAsync()];
            var acknowledged = new List<(long Boot, long Seq)>();
            for (int round = 0; round < KillAfter.Length; round++)
            {
                await using var platform = await PlatformProcess.StartAsync(data, extra);
                acknowledged.AddRange(await StreamUntilKilledAsync(platform, boot: round + 1, KillAfter[round]));
            }

            await using var after = await PlatformProcess.StartAsync(data, extra);
            var stored = await StoredAsync(after);

            var missing = acknowledged.Where(k => !stored.ContainsKey(k)).ToList();
            Assert.That(missing, Is.Empty, $"{missing.Count} of {acknowledged.Count} acknowledged readings were lost, e.g. {string.Join(", ", missing.Take(5))}");
            Assert.That(stored.Where(s => s.Value != 1).Select(s => s.Key), Is.Empty, "stored exactly once");
            Assert.That(acknowledged, Has.Count.GreaterThanOrEqualTo(KillAfter.Sum()));
        }
        finally
        {
            if (postgres is not null) await postgres.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Publishes v2 readings with up to 200 in flight until <paramref name="killAfter"/> are acknowledged, kills the platform, returns what was acknowledged.</summary>
    private static async Task<List<(long, long)>> StreamUntilKilledAsync(PlatformProcess platform, int boot, int killAfter)
    {
        var acked = new ConcurrentQueue<(long, long)>();
        await using var device = new MqttClient();
        var connected = await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", platform.MqttPort)
            .WithClientId(Node).WithMaxInFlight(200).WithTimeout(TimeSpan.FromSeconds(30)).Build());
        Assert.That(connected.IsSuccess, Is.True);
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = new List<Task>();
        for (long seq = 0; !killed.Task.IsCompleted && seq < 50_000; seq++)
        {
            long s = seq;
            var message = new MqttApplicationMessage($"devices/{Node}/telemetry",
                $$"""{"v":2,"node_id":"{{Node}}","boot":{{boot}},"seq":{{s}},"uptime_ms":{{s * 1000}},"temperature_c":21.5}""", MqttQos.AtLeastOnce);
            Task publish;
            try
            {
                publish = device.PublishAsync(message);
            }
            catch (InvalidOperationException)
            {
                break; // the connection is gone: the platform was killed
            }
            inFlight.Add(Track(publish, boot, s));
            // Keep the window full without piling up tasks: wait when 200 are outstanding.
            if (inFlight.Count >= 200)
            {
                await Task.WhenAny(inFlight);
                inFlight.RemoveAll(t => t.IsCompleted);
            }
        }
        await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(killed.Task.IsCompleted, Is.True, "the kill point was reached");
        return [.. acked];

        async Task Track(Task publish, long b, long s)
        {
            try
            {
                await publish;
                acked.Enqueue((b, s));
                if (acked.Count >= killAfter && !killed.Task.IsCompleted)
                {
                    killed.TrySetResult();
                    await platform.KillAsync();
                }
            }
            catch (Exception e) when (e is InvalidOperationException or MqttCommunicationException or IOException or TimeoutException)
            {
                // Not acknowledged: the platform died first. Nothing is promised for it.
            }
        }
    }

    private static async Task<Dictionary<(long, long), int>> StoredAsync(PlatformProcess platform)
    {
        using var http = new HttpClient { BaseAddress = platform.Http };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", platform.AdminToken);
        using var rows = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/nodes/{Node}/telemetry?limit=10000"));
        return rows.RootElement.EnumerateArray().GroupBy(r => (r.GetProperty("boot").GetInt64(), r.GetProperty("seq").GetInt64()))
            .ToDictionary(g => g.Key, g => g.Count());
    }
}
