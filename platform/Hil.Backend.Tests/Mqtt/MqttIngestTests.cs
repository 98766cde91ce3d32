using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hil.Backend.Hosting;
using Hil.Backend.Operations;
using Hil.Backend.Protocol;
using Hil.Backend.Tests.Support;
using Hil.Mqtt.Broker;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hil.Backend.Tests.Mqtt;

/// <summary>Broker + backend as `hil platform up` runs them; devices are mosquitto_pub and our MQTT client.</summary>
public sealed class MqttIngestTests
{
    private PlatformHost _platform = null!;
    private HttpClient _admin = null!;
    private string _data = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _data = Directory.CreateTempSubdirectory("hil-platform-").FullName;
        _platform = await PlatformHost.StartAsync(new BackendOptions { HttpUrl = "http://127.0.0.1:0", DataDirectory = _data, LogLevel = LogLevel.Warning });
        _admin = new HttpClient { BaseAddress = _platform.Backend.HttpAddress };
        _admin.DefaultRequestHeaders.Authorization = new("Bearer", _platform.Backend.AdminToken);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _admin.Dispose();
        await _platform.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private async Task MosquittoPubAsync(string topic, string message)
    {
        var start = new ProcessStartInfo("mosquitto_pub") { RedirectStandardError = true };
        foreach (string arg in new[] { "-h", "127.0.0.1", "-p", _platform.MqttPort.ToString(), "-q", "1", "-t", topic, "-m", message }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(process.ExitCode, Is.Zero, $"mosquitto_pub: {error}");
    }

    private async Task<JsonElement> GetAsync(string path) => await (await _admin.GetAsync(path)).JsonAsync(HttpStatusCode.OK);

    [Test]
    public async Task Mosquitto_pub_v1_v2_v3_and_a_broken_payload_reach_the_api()
    {
        string node = RunningBackend.NewNodeId();
        string topic = $"devices/{node}/telemetry";
        await MosquittoPubAsync(topic, $$"""{"node_id":"{{node}}","temp":20.5,"humidity":50}""");
        await MosquittoPubAsync(topic, $$"""{"v":2,"node_id":"{{node}}","fw":"2.1.0","boot":1,"seq":1,"temperature_c":21}""");
        await MosquittoPubAsync(topic, $$"""{"v":3,"node_id":"{{node}}","fw":"2.1.0","boot":1,"seq":2,"audio":{"rms":0.02,"spike_ratio":1.1,"bins":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]},""" + "\"inference\":{\"model\":\"bee-mlp-3\",\"label\":\"event\",\"p_event\":0.9}}");
        await MosquittoPubAsync(topic, $$"""{"v":2,"node_id":"{{node}}","boot":1,"seq":"three"}""");

        var rows = await Http.EventuallyAsync(async () => (await _admin.GetAsync($"/api/v1/nodes/{node}/telemetry")).StatusCode == HttpStatusCode.OK
            ? await GetAsync($"/api/v1/nodes/{node}/telemetry") : default, r => r.ValueKind == JsonValueKind.Array && r.GetArrayLength() == 3, "three rows");
        Assert.That(rows.EnumerateArray().Select(r => r.GetProperty("version").GetInt32()), Is.EquivalentTo(new[] { 1, 2, 3 }));
        Assert.That(rows.EnumerateArray().Select(r => r.GetProperty("transport").GetString()), Is.All.EqualTo("mqtt"));
        var info = await GetAsync($"/api/v1/nodes/{node}");
        Assert.That(info.GetProperty("firmware").GetString(), Is.EqualTo("2.1.0"));
        var letters = await Http.EventuallyAsync(() => GetAsync("/api/v1/dead-letters?limit=10000"),
            l => l.EnumerateArray().Any(d => d.GetProperty("topic").GetString() == topic), "the dead letter");
        Assert.That(letters.EnumerateArray().Single(d => d.GetProperty("topic").GetString() == topic).GetProperty("reason").GetString(),
            Is.EqualTo("field 'seq' must be an integer, got string 'three'"));
    }

    [Test]
    public async Task Inference_events_are_stored_once_and_queryable_by_time_and_a_broken_one_is_a_dead_letter()
    {
        string node = RunningBackend.NewNodeId();
        string topic = $"devices/{node}/events";
        string Event(int capture, string label, double p) =>
            $$"""{"node_id":"{{node}}","boot":4,"uptime_ms":{{1000 * capture}},"capture":{{capture}},"model":"bee-mlp-3","model_version":2,"label":"{{label}}","p_event":{{p}},"rms":0.05,"spike_ratio":2.1,"spike":true,"spike_trusted":true,"history":3,"frames":62}""";
        await MosquittoPubAsync($"devices/{node}/status", "online");
        await MosquittoPubAsync(topic, Event(1, "normal", 0.02));
        await MosquittoPubAsync(topic, Event(2, "event", 0.97));
        await MosquittoPubAsync(topic, Event(2, "event", 0.97)); // a redelivery
        await MosquittoPubAsync(topic, Event(3, "bees", 0.5));

        var letters = await Http.EventuallyAsync(() => GetAsync("/api/v1/dead-letters?limit=10000"),
            l => l.EnumerateArray().Any(d => d.GetProperty("topic").GetString() == topic), "the broken event's dead letter");
        Assert.That(letters.EnumerateArray().Single(d => d.GetProperty("topic").GetString() == topic).GetProperty("reason").GetString(),
            Is.EqualTo("field 'label' must be 'normal' or 'event', got 'bees'"));
        var rows = await Http.EventuallyAsync(() => GetAsync($"/api/v1/nodes/{node}/inferences"), r => r.GetArrayLength() >= 2, "two inferences");
        Assert.That(rows.EnumerateArray().Select(r => (r.GetProperty("capture").GetInt64(), r.GetProperty("isEvent").GetBoolean(),
            r.GetProperty("pEvent").GetDouble(), r.GetProperty("modelVersion").GetInt64())), Is.EqualTo(new[] { (1L, false, 0.02, 2L), (2L, true, 0.97, 2L) }));
        Assert.That(rows[1].GetProperty("pNormal").GetDouble(), Is.EqualTo(0.03).Within(1e-12));
        var after = rows[1].GetProperty("receivedAt").GetDateTimeOffset();
        var none = await GetAsync($"/api/v1/nodes/{node}/inferences?from={Uri.EscapeDataString(after.AddMilliseconds(1).ToString("O"))}");
        Assert.That(none.GetArrayLength(), Is.Zero, "the time range applies");
        var bad = await _admin.GetAsync($"/api/v1/nodes/{node}/inferences?limit=0");
        Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await _admin.GetAsync("/api/v1/nodes/ffffffffffff/inferences")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task A_command_reaches_the_node_over_mqtt_and_its_ack_completes_it()
    {
        string node = RunningBackend.NewNodeId();
        await using var device = new MqttClient();
        var received = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.ApplicationMessageReceivedAsync += e => { received.TrySetResult(e.ApplicationMessage); return Task.CompletedTask; };
        var options = new MqttClientOptionsBuilder().WithTcpServer(_platform.MqttHost, _platform.MqttPort).WithClientId(node)
            .WithWill($"devices/{node}/status", "offline", MqttQos.AtLeastOnce, retain: true).Build();
        Assert.That((await device.ConnectAsync(options)).IsSuccess, Is.True);
        await device.SubscribeAsync($"devices/{node}/commands", MqttQos.AtLeastOnce);
        await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/status", "online", MqttQos.AtLeastOnce, retain: true));
        await Http.EventuallyAsync(async () => (await _admin.GetAsync($"/api/v1/nodes/{node}")).StatusCode == HttpStatusCode.OK
            && (await GetAsync($"/api/v1/nodes/{node}")).GetProperty("online").ValueKind == JsonValueKind.True, ok => ok, "the node online");

        var created = await (await _admin.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "set-interval", @params = new { seconds = 5 } }))
            .JsonAsync(HttpStatusCode.Created);
        string id = created.GetProperty("id").GetString()!;
        var command = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using (var doc = JsonDocument.Parse(command.Payload))
        {
            Assert.That(doc.RootElement.GetProperty("id").GetString(), Is.EqualTo(id));
            Assert.That(doc.RootElement.GetProperty("params").GetProperty("seconds").GetInt32(), Is.EqualTo(5));
        }
        await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/acks", $$"""{"id":"{{id}}","status":"done","detail":"interval 5 s"}""", MqttQos.AtLeastOnce));
        var done = await Http.EventuallyAsync(() => GetAsync($"/api/v1/commands/{id}"), c => c.GetProperty("status").GetString() == "done", "the ack");
        Assert.That(done.GetProperty("deliveredVia").GetString(), Is.EqualTo("mqtt"));
        Assert.That(done.GetProperty("detail").GetString(), Is.EqualTo("interval 5 s"));

        device.Abort(); // the broker publishes the will: offline
        await Http.EventuallyAsync(() => GetAsync($"/api/v1/nodes/{node}"), n => n.GetProperty("online").ValueKind == JsonValueKind.False, "the last will");
    }

    [Test]
    public async Task A_command_sent_while_the_node_was_gone_is_sent_again_when_it_announces_itself_online()
    {
        // The node's session ends without a last will (a broker restart does the same), so the backend still holds it online.
        string node = RunningBackend.NewNodeId();
        var options = new MqttClientOptionsBuilder().WithTcpServer(_platform.MqttHost, _platform.MqttPort).WithClientId(node).Build();
        await using (var before = new MqttClient())
        {
            Assert.That((await before.ConnectAsync(options)).IsSuccess, Is.True);
            await before.PublishAsync(new MqttApplicationMessage($"devices/{node}/status", "online", MqttQos.AtLeastOnce, retain: true));
            await Http.EventuallyAsync(async () => (await _admin.GetAsync($"/api/v1/nodes/{node}")).StatusCode == HttpStatusCode.OK
                && (await GetAsync($"/api/v1/nodes/{node}")).GetProperty("online").ValueKind == JsonValueKind.True, ok => ok, "the node online");
            await before.DisconnectAsync();
        }
        var created = await (await _admin.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "set_flap", @params = new { position = 70 } }))
            .JsonAsync(HttpStatusCode.Created);
        string id = created.GetProperty("id").GetString()!;
        Assert.That((created.GetProperty("status").GetString(), created.GetProperty("deliveries").GetInt32()), Is.EqualTo(("delivered", 1)),
            "sent to a session that is gone: nobody can tell yet");

        await using var device = new MqttClient();
        var received = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.ApplicationMessageReceivedAsync += e => { received.TrySetResult(e.ApplicationMessage); return Task.CompletedTask; };
        Assert.That((await device.ConnectAsync(options)).IsSuccess, Is.True);
        await device.SubscribeAsync($"devices/{node}/commands", MqttQos.AtLeastOnce);
        DateTimeOffset announced = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/status", "online", MqttQos.AtLeastOnce, retain: true));

        using (var doc = JsonDocument.Parse((await received.Task.WaitAsync(TimeSpan.FromSeconds(10))).Payload))
            Assert.That(doc.RootElement.GetProperty("id").GetString(), Is.EqualTo(id));
        // The backend records the delivery once the broker has taken it (its PUBACK), which may come after the node has it.
        var resent = await Http.EventuallyAsync(() => GetAsync($"/api/v1/commands/{id}"), c => c.GetProperty("deliveries").GetInt32() == 2,
            "the second delivery recorded");
        Assert.That(resent.GetProperty("deliveredAt").GetDateTimeOffset(), Is.GreaterThanOrEqualTo(announced), "delivered when it could be received");

        string ack = $$"""{"id":"{{id}}","status":"done","detail":"flap=70"}""";
        await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/acks", ack, MqttQos.AtLeastOnce));
        var done = await Http.EventuallyAsync(() => GetAsync($"/api/v1/commands/{id}"), c => c.GetProperty("status").GetString() == "done", "the ack");
        Assert.That(done.GetProperty("completedAt").GetDateTimeOffset(), Is.GreaterThanOrEqualTo(done.GetProperty("deliveredAt").GetDateTimeOffset()));
        // The node answers a redelivery of a command it has run with the same ack: a repeat, not a dead letter.
        await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/acks", ack, MqttQos.AtLeastOnce));
        await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/acks", $$"""{"id":"{{id}}","status":"failed"}""", MqttQos.AtLeastOnce));
        var letters = await Http.EventuallyAsync(() => GetAsync("/api/v1/dead-letters?limit=10000"),
            l => l.EnumerateArray().Any(d => d.GetProperty("topic").GetString() == $"devices/{node}/acks"), "the contradicting ack's dead letter");
        Assert.That(letters.EnumerateArray().Where(d => d.GetProperty("topic").GetString() == $"devices/{node}/acks")
            .Select(d => d.GetProperty("payload").GetString()), Is.EqualTo(new[] { $$"""{"id":"{{id}}","status":"failed"}""" }));
        Assert.That((await GetAsync($"/api/v1/commands/{id}")).GetProperty("detail").GetString(), Is.EqualTo("flap=70"));
    }

    [Test]
    public async Task A_command_created_while_the_broker_is_down_stays_queued_and_goes_when_the_node_is_back()
    {
        // A platform of its own: this one's broker goes down.
        string data = Directory.CreateTempSubdirectory("hil-platform-").FullName;
        var platform = await PlatformHost.StartAsync(new BackendOptions { HttpUrl = "http://127.0.0.1:0", DataDirectory = data, LogLevel = LogLevel.Warning });
        try
        {
            await CommandWhileTheBrokerIsDownAsync(platform);
        }
        finally
        {
            await platform.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task CommandWhileTheBrokerIsDownAsync(PlatformHost platform)
    {
        using var admin = new HttpClient { BaseAddress = platform.Backend.HttpAddress };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", platform.Backend.AdminToken);
        string node = RunningBackend.NewNodeId();
        var options = new MqttClientOptionsBuilder().WithTcpServer(platform.MqttHost, platform.MqttPort).WithClientId(node).Build();
        await using (var before = new MqttClient())
        {
            Assert.That((await before.ConnectAsync(options)).IsSuccess, Is.True);
            await before.PublishAsync(new MqttApplicationMessage($"devices/{node}/status", "online", MqttQos.AtLeastOnce, retain: true));
            await Http.EventuallyAsync(async () => (await platform.Backend.Store.GetNodeAsync(node))?.Online == true, ok => ok, "the node online");
        }

        await platform.Broker!.StopAsync();
        var created = await (await admin.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "set_flap", @params = new { position = 70 } }))
            .JsonAsync(HttpStatusCode.Created);
        string id = created.GetProperty("id").GetString()!;
        Assert.That((created.GetProperty("status").GetString(), created.GetProperty("deliveries").GetInt32()), Is.EqualTo(("queued", 0)));

        await platform.Broker.StartAsync();
        await using var device = new MqttClient();
        var received = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.ApplicationMessageReceivedAsync += e => { received.TrySetResult(e.ApplicationMessage); return Task.CompletedTask; };
        Assert.That((await device.ConnectAsync(options)).IsSuccess, Is.True);
        await device.SubscribeAsync($"devices/{node}/commands", MqttQos.AtLeastOnce);
        await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/status", "online", MqttQos.AtLeastOnce, retain: true));
        using (var doc = JsonDocument.Parse((await received.Task.WaitAsync(TimeSpan.FromSeconds(20))).Payload))
            Assert.That(doc.RootElement.GetProperty("id").GetString(), Is.EqualTo(id));
        await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/acks", $$"""{"id":"{{id}}","status":"done"}""", MqttQos.AtLeastOnce));
        var done = await Http.EventuallyAsync(async () => await (await admin.GetAsync($"/api/v1/commands/{id}")).JsonAsync(HttpStatusCode.OK),
            c => c.GetProperty("status").GetString() == "done", "the ack");
        Assert.That(done.GetProperty("deliveries").GetInt32(), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task A_command_created_while_the_backends_own_link_is_down_goes_when_it_is_back()
    {
        // An external broker that keeps the backend out while told to; the node keeps its session throughout,
        // so it never announces itself again: the link's return has to send the command.
        bool refuseBackend = false;
        var refused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var broker = new MqttBroker(new MqttBrokerOptions
        {
            Authenticate = c =>
            {
                if (!Volatile.Read(ref refuseBackend) || c.ClientId != "hil-backend") return ValueTask.FromResult(ConnectDecision.Accept());
                refused.TrySetResult();
                return ValueTask.FromResult<ConnectDecision>(ConnectReturnCode.ServerUnavailable);
            },
        });
        await broker.StartAsync();
        string data = Directory.CreateTempSubdirectory("hil-platform-").FullName;
        var platform = await PlatformHost.StartAsync(new BackendOptions { HttpUrl = "http://127.0.0.1:0", DataDirectory = data, LogLevel = LogLevel.Error },
            externalBroker: new Uri($"mqtt://127.0.0.1:{broker.Port}"));
        try
        {
            using var admin = new HttpClient { BaseAddress = platform.Backend.HttpAddress };
            admin.DefaultRequestHeaders.Authorization = new("Bearer", platform.Backend.AdminToken);
            string node = RunningBackend.NewNodeId();
            await using var device = new MqttClient();
            var received = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            device.ApplicationMessageReceivedAsync += e => { received.TrySetResult(e.ApplicationMessage); return Task.CompletedTask; };
            Assert.That((await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId(node).Build())).IsSuccess, Is.True);
            await device.SubscribeAsync($"devices/{node}/commands", MqttQos.AtLeastOnce);
            await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/status", "online", MqttQos.AtLeastOnce, retain: true));
            await Http.EventuallyAsync(async () => (await platform.Backend.Store.GetNodeAsync(node))?.Online == true, ok => ok, "the node online");

            Volatile.Write(ref refuseBackend, true);
            await broker.DisconnectClientAsync("hil-backend");
            await refused.Task.WaitAsync(TimeSpan.FromSeconds(20)); // the backend is trying to come back: its link is down
            var created = await (await admin.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "set_flap", @params = new { position = 30 } }))
                .JsonAsync(HttpStatusCode.Created);
            string id = created.GetProperty("id").GetString()!;
            Assert.That(created.GetProperty("status").GetString(), Is.EqualTo("queued"), "no link, no delivery");
            Assert.That(received.Task.IsCompleted, Is.False);

            Volatile.Write(ref refuseBackend, false);
            using var doc = JsonDocument.Parse((await received.Task.WaitAsync(TimeSpan.FromSeconds(20))).Payload);
            Assert.That(doc.RootElement.GetProperty("id").GetString(), Is.EqualTo(id));
            await Http.EventuallyAsync(async () => (await platform.Backend.Store.GetCommandAsync(id))?.Status, s => s == "delivered", "the delivery recorded");
        }
        finally
        {
            await platform.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    [Test]
    public async Task Ten_thousand_mutated_mqtt_payloads_are_all_stored_or_dead_lettered()
    {
        string node = RunningBackend.NewNodeId();
        var fuzzer = new PayloadFuzzer(977, node);
        var payloads = Enumerable.Range(0, 10_000).Select(_ => fuzzer.Next()).ToArray();
        int expectedRejections = payloads.Count(p => !TelemetryParser.Parse(p).IsValid || TelemetryParser.Parse(p).Message!.NodeId != node);
        Assert.That(expectedRejections, Is.InRange(5_000, 9_500), "the mix holds both broken and valid payloads");
        var metrics = _platform.Backend.Services.GetRequiredService<BackendMetrics>();
        long lettersBefore = await _platform.Backend.Store.CountDeadLettersAsync();
        string before = metrics.Render();

        await using var device = new MqttClient();
        Assert.That((await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(_platform.MqttHost, _platform.MqttPort)
            .WithClientId("fuzz-" + node).WithMaxInFlight(500).Build())).IsSuccess, Is.True);
        var publishes = new List<Task>();
        foreach (byte[] payload in payloads)
        {
            publishes.Add(device.PublishAsync(new MqttApplicationMessage($"devices/{node}/telemetry", payload, MqttQos.AtLeastOnce)));
            if (publishes.Count == 500) { await Task.WhenAll(publishes); publishes.Clear(); }
        }
        await Task.WhenAll(publishes);

        await Http.EventuallyAsync(() => _platform.Backend.Store.CountDeadLettersAsync(), n => n - lettersBefore >= expectedRejections,
            $"{expectedRejections} dead letters", TimeSpan.FromSeconds(60));
        Assert.That(await _platform.Backend.Store.CountDeadLettersAsync() - lettersBefore, Is.EqualTo(expectedRejections), "no more, no fewer");
        var rows = await Http.EventuallyAsync(async () => (await _platform.Backend.Store.GetNodeAsync(node))?.MessageCount ?? 0,
            n => n >= 10_000 - expectedRejections - CountDuplicates(payloads, node), "the stored rows", TimeSpan.FromSeconds(60));
        Assert.That(rows, Is.EqualTo(10_000 - expectedRejections - CountDuplicates(payloads, node)));
        await (await _admin.GetAsync("/ready")).JsonAsync(HttpStatusCode.OK);
        Assert.That(metrics.Render(), Does.Contain("hil_ingest_write_failures_total 0"), before);
    }

    /// <summary>Valid v2/v3 payloads that repeat an earlier (boot, seq): stored once, so not counted as rows.</summary>
    private static int CountDuplicates(byte[][] payloads, string node)
    {
        var seen = new HashSet<(long, long)>();
        int duplicates = 0;
        foreach (var p in payloads)
        {
            var m = TelemetryParser.Parse(p).Message;
            if (m is null || m.NodeId != node || !m.HasIdentity) continue;
            if (!seen.Add((m.Boot!.Value, m.Seq!.Value))) duplicates++;
        }
        return duplicates;
    }
}

/// <summary>Provisioning 'keys' on the embedded broker: node id as user name, API key as password.</summary>
public sealed class MqttKeysTests
{
    [Test]
    public async Task Only_a_node_with_its_own_key_may_connect_and_a_revoked_key_is_refused_at_the_next_connect()
    {
        string data = Directory.CreateTempSubdirectory("hil-platform-").FullName;
        try
        {
            await using var platform = await PlatformHost.StartAsync(new BackendOptions
            {
                HttpUrl = "http://127.0.0.1:0", DataDirectory = data, LogLevel = LogLevel.Warning, Provisioning = Provisioning.Keys,
            });
            using var admin = new HttpClient { BaseAddress = platform.Backend.HttpAddress };
            admin.DefaultRequestHeaders.Authorization = new("Bearer", platform.Backend.AdminToken);
            string node = RunningBackend.NewNodeId();
            var key = (await (await admin.PostAsync($"/api/v1/nodes/{node}/keys", null)).Content.ReadFromJsonAsync<Apis.CreatedApiKey>())!;

            async Task<ConnectReturnCode> ConnectAsync(string? user, string? password)
            {
                await using var client = new MqttClient();
                var builder = new MqttClientOptionsBuilder().WithTcpServer(platform.MqttHost, platform.MqttPort).WithClientId($"{user}-{Guid.NewGuid().ToString("N")[..8]}"); // keys: a client id starts with its node id
                if (user is not null) builder.WithCredentials(user, password);
                var result = await client.ConnectAsync(builder.Build());
                if (result.IsSuccess) await client.DisconnectAsync();
                return result.ResultCode;
            }

            Assert.That(await ConnectAsync(null, null), Is.EqualTo(ConnectReturnCode.NotAuthorized));
            Assert.That(await ConnectAsync(node, "hil_wrong"), Is.EqualTo(ConnectReturnCode.BadUsernameOrPassword));
            Assert.That(await ConnectAsync(RunningBackend.NewNodeId(), key.Key), Is.EqualTo(ConnectReturnCode.BadUsernameOrPassword), "another node's name");
            Assert.That(await ConnectAsync(node, key.Key), Is.EqualTo(ConnectReturnCode.Accepted));
            await (await admin.DeleteAsync($"/api/v1/keys/{key.Id}")).JsonAsync(HttpStatusCode.NoContent);
            Assert.That(await ConnectAsync(node, key.Key), Is.EqualTo(ConnectReturnCode.BadUsernameOrPassword));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Test]
    public async Task Revoking_a_key_ends_the_open_mqtt_session_that_used_it()
    {
        string data = Directory.CreateTempSubdirectory("hil-platform-").FullName;
        try
        {
            await using var platform = await PlatformHost.StartAsync(new BackendOptions
            {
                HttpUrl = "http://127.0.0.1:0", DataDirectory = data, LogLevel = LogLevel.Warning, Provisioning = Provisioning.Keys,
            });
            using var admin = new HttpClient { BaseAddress = platform.Backend.HttpAddress };
            admin.DefaultRequestHeaders.Authorization = new("Bearer", platform.Backend.AdminToken);
            string node = RunningBackend.NewNodeId(), bystander = RunningBackend.NewNodeId();
            var key = (await (await admin.PostAsync($"/api/v1/nodes/{node}/keys", null)).Content.ReadFromJsonAsync<Apis.CreatedApiKey>())!;
            var otherKey = (await (await admin.PostAsync($"/api/v1/nodes/{bystander}/keys", null)).Content.ReadFromJsonAsync<Apis.CreatedApiKey>())!;
            MqttClientOptions Options(string user, string password) => new MqttClientOptionsBuilder()
                .WithTcpServer(platform.MqttHost, platform.MqttPort).WithClientId(user + "-dev").WithCredentials(user, password).Build();

            await using var device = new MqttClient();
            await using var other = new MqttClient();
            var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            device.DisconnectedAsync += _ => { dropped.TrySetResult(); return Task.CompletedTask; };
            Assert.That((await device.ConnectAsync(Options(node, key.Key))).IsSuccess, Is.True);
            Assert.That((await other.ConnectAsync(Options(bystander, otherKey.Key))).IsSuccess, Is.True);
            await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/telemetry", $$"""{"node_id":"{{node}}","temp":20}""", MqttQos.AtLeastOnce));
            await Http.EventuallyAsync(async () => (await admin.GetAsync($"/api/v1/nodes/{node}")).StatusCode, s => s == HttpStatusCode.OK, "the first message stored");

            await (await admin.DeleteAsync($"/api/v1/keys/{key.Id}")).JsonAsync(HttpStatusCode.NoContent);
            // The revoke answers after the broker closed the session, so the client learns of it at once.
            await dropped.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.That(platform.Broker!.ConnectedClientIds, Does.Not.Contain(node + "-dev").And.Contain(bystander + "-dev"), "only that key's session ends");
            Assert.That((await device.ConnectAsync(Options(node, key.Key))).ResultCode, Is.EqualTo(ConnectReturnCode.BadUsernameOrPassword));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
