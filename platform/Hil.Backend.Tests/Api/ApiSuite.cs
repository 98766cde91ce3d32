using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hil.Backend.Ingest;
using Hil.Backend.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Hil.Backend.Tests.Api;

/// <summary>The functional API suite, run against SQLite and against a real PostgreSQL the tests start themselves.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public sealed class ApiSuite(string storage)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _time = new(Start);
    private RunningBackend _backend = null!;
    private HttpClient Admin => _backend.Admin;

    [OneTimeSetUp]
    public async Task StartAsync() => _backend = await RunningBackend.StartAsync(storage, o => o with { Time = _time });

    [OneTimeTearDown]
    public async Task StopAsync() => await _backend.DisposeAsync();

    private static string V2(string node, int boot, int seq, double temp = 23.5) =>
        $$"""{"v":2,"node_id":"{{node}}","fw":"2.1.0","boot":{{boot}},"seq":{{seq}},"uptime_ms":215000,"temperature_c":{{temp}},"humidity_pct":61.2,"battery_mv":3712,"rssi_dbm":-61,"error_flags":0}""";

    private Task<HttpResponseMessage> PostAsync(string json) => _backend.Anonymous.PostAsync("/api/v1/telemetry", RunningBackend.Json(json));

    private async Task<JsonElement> TelemetryAsync(string node, string query = "") =>
        await (await Admin.GetAsync($"/api/v1/nodes/{node}/telemetry{query}")).JsonAsync(HttpStatusCode.OK);

    [Test]
    public async Task Versions_1_2_3_are_stored_side_by_side_and_the_node_is_registered()
    {
        string node = RunningBackend.NewNodeId();
        await (await PostAsync($$"""{"node_id":"{{node}}","temp":20.5,"humidity":50}""")).JsonAsync(HttpStatusCode.Accepted);
        _time.Advance(TimeSpan.FromSeconds(1));
        await (await PostAsync(V2(node, 1, 1))).JsonAsync(HttpStatusCode.Accepted);
        _time.Advance(TimeSpan.FromSeconds(1));
        string v3 = V2(node, 1, 2).Replace("\"v\":2", "\"v\":3").TrimEnd('}') +
                    ",\"audio\":{\"rms\":0.02,\"spike_ratio\":1.5,\"bins\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]},\"inference\":{\"model\":\"bee-mlp-3\",\"label\":\"normal\",\"p_event\":0.07}}";
        await (await PostAsync(v3)).JsonAsync(HttpStatusCode.Accepted);

        var rows = await TelemetryAsync(node);
        Assert.That(rows.EnumerateArray().Select(r => r.GetProperty("version").GetInt32()), Is.EqualTo(new[] { 1, 2, 3 }), "oldest first");
        var v1 = rows[0];
        Assert.That(v1.GetProperty("temperatureC").GetDouble(), Is.EqualTo(20.5));
        Assert.That(new[] { "boot", "seq", "firmware", "batteryMv", "audio", "inference" }.Select(f => v1.GetProperty(f).ValueKind),
            Is.All.EqualTo(JsonValueKind.Null), "v1 lacks these fields: stored absent, not invented");
        Assert.That(rows[2].GetProperty("audio").GetProperty("bins").GetArrayLength(), Is.EqualTo(16));
        Assert.That(rows[2].GetProperty("inference").GetProperty("model").GetString(), Is.EqualTo("bee-mlp-3"));

        var nodeInfo = await (await Admin.GetAsync($"/api/v1/nodes/{node}")).JsonAsync(HttpStatusCode.OK);
        Assert.That(nodeInfo.GetProperty("firmware").GetString(), Is.EqualTo("2.1.0"));
        Assert.That(nodeInfo.GetProperty("protocolVersion").GetInt32(), Is.EqualTo(3));
        Assert.That(nodeInfo.GetProperty("firstSeen").GetDateTimeOffset(), Is.EqualTo(Start).Within(TimeSpan.FromSeconds(1000)));
        Assert.That(nodeInfo.GetProperty("lastSeen").GetDateTimeOffset() - nodeInfo.GetProperty("firstSeen").GetDateTimeOffset(), Is.EqualTo(TimeSpan.FromSeconds(2)));
        var all = await (await Admin.GetAsync("/api/v1/nodes")).JsonAsync(HttpStatusCode.OK);
        Assert.That(all.EnumerateArray().Select(n => n.GetProperty("id").GetString()), Does.Contain(node));
    }

    [Test]
    public async Task A_redelivered_v2_message_is_stored_once_and_v1_has_no_identity()
    {
        string node = RunningBackend.NewNodeId();
        var first = await (await PostAsync(V2(node, 3, 9))).JsonAsync(HttpStatusCode.Accepted);
        var again = await (await PostAsync(V2(node, 3, 9, temp: 99))).JsonAsync(HttpStatusCode.Accepted);
        await (await PostAsync(V2(node, 4, 9))).JsonAsync(HttpStatusCode.Accepted); // same seq after a reboot is a new message
        Assert.That((first.GetProperty("status").GetString(), again.GetProperty("status").GetString()), Is.EqualTo(("stored", "duplicate")));
        var rows = await TelemetryAsync(node);
        Assert.That(rows.EnumerateArray().Select(r => (r.GetProperty("boot").GetInt64(), r.GetProperty("temperatureC").GetDouble())),
            Is.EqualTo(new[] { (3L, 23.5), (4L, 23.5) }), "the first delivery wins");

        string v1 = $$"""{"node_id":"{{node}}","temp":1}""";
        await (await PostAsync(v1)).JsonAsync(HttpStatusCode.Accepted);
        await (await PostAsync(v1)).JsonAsync(HttpStatusCode.Accepted);
        Assert.That((await TelemetryAsync(node)).GetArrayLength(), Is.EqualTo(4), "v1 carries no (boot, seq): each delivery is a row");
    }

    [Test]
    public async Task A_broken_payload_is_422_with_the_reason_and_stores_nothing()
    {
        string node = RunningBackend.NewNodeId();
        string detail = await (await PostAsync($$"""{"v":2,"node_id":"{{node}}","boot":1,"seq":"x"}""")).ProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.That(detail, Is.EqualTo("field 'seq' must be an integer, got string 'x'"));
        Assert.That(await (await PostAsync("{\"v\":9,\"node_id\":\"a1b2c3d4e5f6\"}")).ProblemAsync(HttpStatusCode.UnprocessableEntity), Does.Contain("unknown protocol version 9"));
        await (await Admin.GetAsync($"/api/v1/nodes/{node}")).ProblemAsync(HttpStatusCode.NotFound);
        var huge = new ByteArrayContent(new byte[64 * 1024]);
        await (await _backend.Anonymous.PostAsync("/api/v1/telemetry", huge)).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Test]
    public async Task Telemetry_query_honours_from_to_and_limit()
    {
        string node = RunningBackend.NewNodeId();
        var t0 = _time.GetUtcNow();
        for (int i = 0; i < 5; i++)
        {
            await (await PostAsync(V2(node, 1, i, temp: i))).JsonAsync(HttpStatusCode.Accepted);
            _time.Advance(TimeSpan.FromSeconds(10));
        }
        string from = Uri.EscapeDataString(t0.AddSeconds(10).ToString("O")), to = Uri.EscapeDataString(t0.AddSeconds(40).ToString("O"));
        var window = await TelemetryAsync(node, $"?from={from}&to={to}");
        Assert.That(window.EnumerateArray().Select(r => r.GetProperty("seq").GetInt64()), Is.EqualTo(new[] { 1L, 2L, 3L }), "from inclusive, to exclusive");
        var limited = await TelemetryAsync(node, "?limit=2");
        Assert.That(limited.EnumerateArray().Select(r => r.GetProperty("seq").GetInt64()), Is.EqualTo(new[] { 0L, 1L }));

        Assert.That(await (await Admin.GetAsync($"/api/v1/nodes/{node}/telemetry?limit=0")).ProblemAsync(HttpStatusCode.BadRequest), Does.Contain("limit"));
        Assert.That(await (await Admin.GetAsync($"/api/v1/nodes/{node}/telemetry?from={to}&to={from}")).ProblemAsync(HttpStatusCode.BadRequest), Does.Contain("after"));
        Assert.That(await (await Admin.GetAsync($"/api/v1/nodes/{node}/telemetry?from=yesterday")).ProblemAsync(HttpStatusCode.BadRequest), Does.Contain("from"));
        await (await Admin.GetAsync($"/api/v1/nodes/{RunningBackend.NewNodeId()}/telemetry")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Aggregates_give_avg_min_max_per_bucket()
    {
        string node = RunningBackend.NewNodeId();
        // Align to a minute so that the buckets are predictable.
        var now = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(now.UtcTicks % TimeSpan.TicksPerMinute));
        var minute = _time.GetUtcNow();
        foreach (var (offset, temp) in new[] { (0, 10.0), (20, 20.0), (40, 30.0), (70, 5.0) })
        {
            _time.Advance(minute.AddSeconds(offset) - _time.GetUtcNow());
            await (await PostAsync(V2(node, 1, offset, temp))).JsonAsync(HttpStatusCode.Accepted);
        }
        var buckets = await (await Admin.GetAsync($"/api/v1/nodes/{node}/telemetry/aggregate?bucket=60")).JsonAsync(HttpStatusCode.OK);
        Assert.That(buckets.GetArrayLength(), Is.EqualTo(2));
        var b = buckets[0];
        Assert.That(b.GetProperty("start").GetDateTimeOffset(), Is.EqualTo(minute));
        Assert.That((b.GetProperty("count").GetInt64(), b.GetProperty("temperatureAvg").GetDouble(), b.GetProperty("temperatureMin").GetDouble(),
            b.GetProperty("temperatureMax").GetDouble()), Is.EqualTo((3L, 20.0, 10.0, 30.0)));
        Assert.That(buckets[1].GetProperty("temperatureMax").GetDouble(), Is.EqualTo(5.0));
        await (await Admin.GetAsync($"/api/v1/nodes/{node}/telemetry/aggregate?bucket=0")).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task A_command_goes_queued_delivered_done_with_every_transition_timestamped()
    {
        string node = RunningBackend.NewNodeId();
        string operatorToken = await _backend.CreateUserAsync("op-" + node, "operator");
        using var op = _backend.Client(operatorToken);
        var created = await (await op.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "set-interval", @params = new { seconds = 30 } }))
            .JsonAsync(HttpStatusCode.Created);
        string id = created.GetProperty("id").GetString()!;
        Assert.That((created.GetProperty("status").GetString(), created.GetProperty("createdAt").GetDateTimeOffset()), Is.EqualTo(("queued", _time.GetUtcNow())));

        _time.Advance(TimeSpan.FromSeconds(5));
        var pending = await (await _backend.Anonymous.GetAsync($"/api/v1/nodes/{node}/commands/pending")).JsonAsync(HttpStatusCode.OK);
        Assert.That(pending.EnumerateArray().Select(c => c.GetProperty("id").GetString()), Is.EqualTo(new[] { id }));
        Assert.That(pending[0].GetProperty("params").GetProperty("seconds").GetInt32(), Is.EqualTo(30));
        Assert.That((await (await _backend.Anonymous.GetAsync($"/api/v1/nodes/{node}/commands/pending")).JsonAsync(HttpStatusCode.OK)).GetArrayLength(), Is.Zero);

        _time.Advance(TimeSpan.FromSeconds(2));
        await (await _backend.Anonymous.PostAsJsonAsync($"/api/v1/nodes/{node}/commands/{id}/ack", new { status = "done", detail = "ok" })).JsonAsync(HttpStatusCode.OK);
        var done = await (await Admin.GetAsync($"/api/v1/commands/{id}")).JsonAsync(HttpStatusCode.OK);
        Assert.That(done.GetProperty("status").GetString(), Is.EqualTo("done"));
        Assert.That(done.GetProperty("deliveredAt").GetDateTimeOffset() - done.GetProperty("createdAt").GetDateTimeOffset(), Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(done.GetProperty("completedAt").GetDateTimeOffset() - done.GetProperty("deliveredAt").GetDateTimeOffset(), Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(done.GetProperty("deliveredVia").GetString(), Is.EqualTo("http"));
        var twice = await _backend.Anonymous.PostAsJsonAsync($"/api/v1/nodes/{node}/commands/{id}/ack", new { status = "done" });
        Assert.That(await twice.ProblemAsync(HttpStatusCode.Conflict), Does.Contain("already done"));
    }

    [Test]
    public async Task An_unacknowledged_command_expires_and_a_late_ack_is_refused()
    {
        string node = RunningBackend.NewNodeId();
        var created = await (await Admin.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "reboot", ttlSeconds = 60 })).JsonAsync(HttpStatusCode.Created);
        string id = created.GetProperty("id").GetString()!;
        _time.Advance(TimeSpan.FromSeconds(61));
        var expired = await (await Admin.GetAsync($"/api/v1/commands/{id}")).JsonAsync(HttpStatusCode.OK);
        Assert.That((expired.GetProperty("status").GetString(), expired.GetProperty("expiredAt").GetDateTimeOffset()), Is.EqualTo(("expired", _time.GetUtcNow())));
        await (await _backend.Anonymous.PostAsJsonAsync($"/api/v1/nodes/{node}/commands/{id}/ack", new { status = "done" })).ProblemAsync(HttpStatusCode.Conflict);
    }

    [Test]
    public async Task Command_requests_a_client_gets_wrong_are_400_never_500()
    {
        string node = RunningBackend.NewNodeId();
        Assert.That(await (await Admin.PostAsync($"/api/v1/nodes/{node}/commands", RunningBackend.Json("{\"type\":"))).ProblemAsync(HttpStatusCode.BadRequest), Is.Not.Empty);
        Assert.That(await (await Admin.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "" })).ProblemAsync(HttpStatusCode.BadRequest), Does.Contain("type"));
        Assert.That(await (await Admin.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "x", @params = 3 })).ProblemAsync(HttpStatusCode.BadRequest), Does.Contain("params"));
        Assert.That(await (await Admin.PostAsJsonAsync("/api/v1/nodes/NOT-A-NODE/commands", new { type = "x" })).ProblemAsync(HttpStatusCode.BadRequest), Does.Contain("12 lowercase hex"));
        await (await Admin.GetAsync("/api/v1/commands/nope")).ProblemAsync(HttpStatusCode.NotFound);
        await (await _backend.Anonymous.PostAsJsonAsync($"/api/v1/nodes/{node}/commands/nope/ack", new { status = "maybe" })).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Broker_messages_route_by_topic_and_rejections_become_dead_letters()
    {
        // The router behind the MQTT subscription, driven directly; the broker round trip is in MqttIngestTests.
        string node = RunningBackend.NewNodeId();
        var topics = _backend.Host.Services.GetRequiredService<DeviceTopics>();
        await topics.HandleAsync(new DeviceMessage($"devices/{node}/status", "online"u8.ToArray()), default);
        await topics.HandleAsync(new DeviceMessage($"devices/{node}/telemetry", Encoding.UTF8.GetBytes(V2(node, 1, 1))), default);
        await topics.HandleAsync(new DeviceMessage($"devices/{node}/telemetry", Encoding.UTF8.GetBytes($$"""{"v":2,"node_id":"{{node}}"}""")), default);
        await topics.HandleAsync(new DeviceMessage($"devices/{node}/logs", "boot ok"u8.ToArray()), default);

        var rows = await Http.EventuallyAsync(() => TelemetryAsync(node), r => r.GetArrayLength() == 1, "the MQTT row");
        Assert.That(rows[0].GetProperty("transport").GetString(), Is.EqualTo("mqtt"));
        var letters = await Http.EventuallyAsync(async () => await (await Admin.GetAsync("/api/v1/dead-letters?limit=10000")).JsonAsync(HttpStatusCode.OK),
            l => l.EnumerateArray().Any(d => d.GetProperty("topic").GetString() == $"devices/{node}/telemetry"), "the dead letter");
        var letter = letters.EnumerateArray().Single(d => d.GetProperty("topic").GetString() == $"devices/{node}/telemetry");
        Assert.That(letter.GetProperty("reason").GetString(), Is.EqualTo("missing field 'boot'"));
        Assert.That(letter.GetProperty("payload").GetString(), Is.EqualTo($$"""{"v":2,"node_id":"{{node}}"}"""));
        var info = await (await Admin.GetAsync($"/api/v1/nodes/{node}")).JsonAsync(HttpStatusCode.OK);
        Assert.That(info.GetProperty("online").GetBoolean(), Is.True);
        await topics.HandleAsync(new DeviceMessage($"devices/{node}/status", "offline"u8.ToArray()), default);
        Assert.That((await (await Admin.GetAsync($"/api/v1/nodes/{node}")).JsonAsync(HttpStatusCode.OK)).GetProperty("online").GetBoolean(), Is.False);
        var logs = await (await Admin.GetAsync($"/api/v1/nodes/{node}/logs")).JsonAsync(HttpStatusCode.OK);
        Assert.That(logs[0].GetProperty("text").GetString(), Is.EqualTo("boot ok"));
    }

    [Test]
    public async Task Operations_endpoints_answer()
    {
        await (await _backend.Anonymous.GetAsync("/health")).JsonAsync(HttpStatusCode.OK);
        var ready = await (await _backend.Anonymous.GetAsync("/ready")).JsonAsync(HttpStatusCode.OK);
        Assert.That(ready.GetProperty("storage").GetString(), Is.EqualTo(storage));
        await (await PostAsync(V2(RunningBackend.NewNodeId(), 1, 1))).JsonAsync(HttpStatusCode.Accepted);
        string metrics = await _backend.Anonymous.GetStringAsync("/metrics");
        Assert.That(metrics, Does.Match("hil_ingest_stored_total\\{transport=\"http\"\\} [1-9]"));
        Assert.That(metrics, Does.Contain("hil_ingest_latency_seconds_bucket{le=\"+Inf\"}").And.Contain("hil_dead_letters_total"));
        var openapi = await (await _backend.Anonymous.GetAsync("/openapi/v1.json")).JsonAsync(HttpStatusCode.OK);
        var paths = openapi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.That(paths, Is.SupersetOf(new[] { "/api/v1/telemetry", "/api/v1/nodes", "/api/v1/nodes/{id}/telemetry", "/api/v1/dead-letters", "/api/v1/commands/{cid}" }));
    }
}
