using System.Net;
using System.Text.Json;
using Hil.Backend.Protocol;
using Hil.Backend.Storage;
using Hil.Backend.Tests.Support;
using Hil.Scorer.Anomaly;
using Hil.Simulators.Sensors;

namespace Hil.Backend.Tests.Api;

/// <summary>
/// The anomaly schedule on a hand-moved clock: two simulated days of a node's telemetry (with faults injected into
/// temperature and humidity) are stored; the first tick trains a forest from them and scores every reading; a day
/// later the forest is retrained. Scores are read back through the API, on SQLite and on PostgreSQL.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public sealed class AnomalyApiTests(string storage)
{
    private static readonly DateTimeOffset DataStart = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = DataStart.AddDays(2);
    private static readonly TimeSpan Tick = TimeSpan.FromMinutes(1);

    private static readonly SensorFault[] Faults =
    [
        new(SensorChannel.Humidity, SensorFaultKind.OutOfRange, DataStart.AddHours(30), TimeSpan.FromMinutes(30)),
        new(SensorChannel.Temperature, SensorFaultKind.Spikes, DataStart.AddHours(34), TimeSpan.FromHours(3), 10),
        new(SensorChannel.Humidity, SensorFaultKind.Dropout, DataStart.AddHours(38), TimeSpan.FromHours(1)),
        new(SensorChannel.Temperature, SensorFaultKind.Stuck, DataStart.AddHours(42), TimeSpan.FromHours(2)),
    ];

    private readonly ManualScheduler _clock = new(Now);
    private RunningBackend _backend = null!;
    private List<SensorReading> _readings = null!;
    private List<SensorReading> _truth = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _backend = await RunningBackend.StartAsync(storage, o => o with
        {
            Time = _clock, TokenLifetime = TimeSpan.FromDays(365),
            Anomaly = o.Anomaly with { ScoreInterval = Tick, RetrainInterval = TimeSpan.FromHours(24), TrainingWindow = TimeSpan.FromDays(7) },
        });
        var options = new SensorSimulatorOptions { Start = DataStart, Seed = 5, Interval = TimeSpan.FromMinutes(5), Faults = Faults };
        _readings = new SensorSimulator(options).Generate(TimeSpan.FromDays(2)).ToList();
        _truth = new SensorSimulator(options with { Faults = [] }).Generate(TimeSpan.FromDays(2)).ToList();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _backend.DisposeAsync();

    [Test]
    public async Task The_schedule_trains_scores_and_retrains_and_the_scores_are_queryable()
    {
        string node = RunningBackend.NewNodeId();
        // Stored as the ingest pipeline stores it, but with arrival times in the past (the API would stamp "now").
        var batch = _readings.Select((r, i) => new IngestedTelemetry(new TelemetryMessage
        {
            NodeId = node, Version = 2, Boot = 1, Seq = i, TemperatureC = r.TemperatureC, HumidityPct = r.HumidityPct,
        }, r.Time, "test")).ToList();
        await _backend.Host.Store.WriteTelemetryAsync(batch);
        await (await _backend.Admin.GetAsync("/api/v1/anomaly/model")).ProblemAsync(HttpStatusCode.NotFound);

        _clock.Advance(Tick);
        var model = await ModelAsync(m => m.ValueKind == JsonValueKind.Object, "the first model");
        Assert.That(model.GetProperty("version").GetString(), Is.EqualTo("anomaly-forest-20260603T000100Z"));
        Assert.That(model.GetProperty("trainedAt").GetDateTimeOffset(), Is.EqualTo(Now + Tick));
        Assert.That(model.GetProperty("source").GetString(), Is.EqualTo("telemetry"));
        int rows = model.GetProperty("rows").GetInt32();
        Assert.That(rows, Is.GreaterThanOrEqualTo(_readings.Count), "this node's readings and those of other tests' nodes");
        Assert.That(model.GetProperty("channels").EnumerateArray().Select(c => c.GetString()), Is.EqualTo(new[] { "temperature", "humidity" }));

        var scores = await AnomaliesAsync(node, "?limit=10000", s => s.GetArrayLength() == _readings.Count, "every stored reading scored");
        double[] score = scores.EnumerateArray().Select(s => s.GetProperty("score").GetDouble()).ToArray();
        Assert.That(scores.EnumerateArray().Select(s => s.GetProperty("receivedAt").GetDateTimeOffset()), Is.EqualTo(_readings.Select(r => r.Time)), "oldest first");
        Assert.That(scores.EnumerateArray().Select(s => s.GetProperty("modelVersion").GetString()).Distinct(), Is.EqualTo(new[] { "anomaly-forest-20260603T000100Z" }));
        var labels = _readings.Select((r, i) => AnomalyEvaluation.Label(r, _truth[i], AnomalyChannel.TelemetrySensors)).ToArray();
        var judged = Enumerable.Range(0, labels.Length).Where(i => labels[i] is not null).ToArray();
        double auc = RocAuc.Compute(judged.Select(i => score[i]).ToArray(), judged.Select(i => labels[i]!.Value).ToArray());
        TestContext.Out.WriteLine($"{storage}: ROC AUC {auc:0.000} of the backend's own forest over its {judged.Length} labelled readings ({judged.Count(i => labels[i] == true)} anomalous)");
        Assert.That(auc, Is.GreaterThanOrEqualTo(0.9));

        // min_score keeps what scores at least that much: here the lowest score of the out-of-range and dropout readings.
        var gross = Enumerable.Range(0, _readings.Count).Where(i => _readings[i].Faults.Any(k => k is SensorFaultKind.OutOfRange or SensorFaultKind.Dropout)).ToArray();
        double threshold = Math.Floor(gross.Min(i => score[i]) * 1000) / 1000;
        var high = await (await _backend.Admin.GetAsync($"/api/v1/nodes/{node}/anomalies?limit=10000&min_score={threshold}")).JsonAsync(HttpStatusCode.OK);
        Assert.That(high.EnumerateArray().Select(s => s.GetProperty("score").GetDouble()), Is.All.GreaterThanOrEqualTo(threshold));
        Assert.That(high.GetArrayLength(), Is.EqualTo(score.Count(s => s >= threshold)));
        Assert.That(high.EnumerateArray().Select(s => s.GetProperty("receivedAt").GetDateTimeOffset()), Is.SupersetOf(gross.Select(i => _readings[i].Time)));

        // A reading arriving through the API is scored on the next tick by the model in use.
        await (await _backend.Anonymous.PostAsync("/api/v1/telemetry", RunningBackend.Json(
            $$"""{"v":2,"node_id":"{{node}}","boot":2,"seq":1,"temperature_c":19.5,"humidity_pct":70.1}"""))).JsonAsync(HttpStatusCode.Accepted);
        _clock.Advance(Tick);
        var latest = await AnomaliesAsync(node, $"?from={Uri.EscapeDataString((Now + Tick).ToString("O"))}", s => s.GetArrayLength() == 1, "the new reading scored");
        Assert.That(latest[0].GetProperty("temperatureC").GetDouble(), Is.EqualTo(19.5));

        _clock.Advance(TimeSpan.FromHours(24));
        var retrained = await ModelAsync(m => m.ValueKind == JsonValueKind.Object && m.GetProperty("version").GetString() != "anomaly-forest-20260603T000100Z", "the retrained model");
        Assert.That(retrained.GetProperty("version").GetString(), Is.EqualTo("anomaly-forest-20260604T000200Z"));
        Assert.That(retrained.GetProperty("rows").GetInt32(), Is.EqualTo(rows + 1), "the reading that came since");
    }

    [Test]
    public async Task Bad_queries_are_refused_with_the_reason()
    {
        string node = RunningBackend.NewNodeId();
        Assert.That(await (await _backend.Admin.GetAsync($"/api/v1/nodes/{node}/anomalies")).ProblemAsync(HttpStatusCode.NotFound), Does.Contain(node));
        await (await _backend.Anonymous.PostAsync("/api/v1/telemetry", RunningBackend.Json($$"""{"node_id":"{{node}}","temp":20,"humidity":50}""")))
            .JsonAsync(HttpStatusCode.Accepted);
        Assert.That(await (await _backend.Admin.GetAsync($"/api/v1/nodes/{node}/anomalies?min_score=1.5")).ProblemAsync(HttpStatusCode.BadRequest), Does.Contain("min_score"));
        Assert.That(await (await _backend.Admin.GetAsync($"/api/v1/nodes/{node}/anomalies?limit=0")).ProblemAsync(HttpStatusCode.BadRequest), Does.Contain("limit"));
        Assert.That(await (await _backend.Admin.GetAsync($"/api/v1/nodes/{node}/anomalies?from=2026-06-02T00:00:00Z&to=2026-06-01T00:00:00Z"))
            .ProblemAsync(HttpStatusCode.BadRequest), Does.Contain("after"));
        Assert.That((await _backend.Anonymous.GetAsync($"/api/v1/nodes/{node}/anomalies")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    private async Task<JsonElement> ModelAsync(Func<JsonElement, bool> done, string what) =>
        await Http.EventuallyAsync(async () =>
        {
            var response = await _backend.Admin.GetAsync("/api/v1/anomaly/model");
            return response.StatusCode == HttpStatusCode.OK ? await response.JsonAsync(HttpStatusCode.OK) : default;
        }, done, what, TimeSpan.FromSeconds(60));

    private async Task<JsonElement> AnomaliesAsync(string node, string query, Func<JsonElement, bool> done, string what) =>
        await Http.EventuallyAsync(async () => await (await _backend.Admin.GetAsync($"/api/v1/nodes/{node}/anomalies{query}")).JsonAsync(HttpStatusCode.OK),
            done, what, TimeSpan.FromSeconds(60));
}
