using System.Net;
using Hil.Backend.Tests.Support;
using Hil.Scorer.Anomaly;
using Hil.Simulators.Sensors;

namespace Hil.Backend.Tests.Api;

/// <summary>A backend started with a model file (`hil platform up --anomaly-model`): used at once, refused with the reason when unusable.</summary>
public sealed class AnomalyModelFileTests
{
    private static string WriteModel(IReadOnlyList<SensorChannel> channels, string version)
    {
        SimulatedSensorData data = AnomalyTraining.Simulate(seed: 3, hours: 24, TimeSpan.FromMinutes(5), faultsPerDay: 2, channels);
        var model = AnomalyModel.Train(version, channels.Select(AnomalyChannel.Of).ToArray(), data.Features, seed: 1,
            new AnomalyProvenance("simulator", DateTimeOffset.UnixEpoch, 0, Seed: 3, Hours: 24));
        string path = Path.Combine(Path.GetTempPath(), $"hil-anomaly-{Guid.NewGuid():N}.json");
        model.Save(path);
        return path;
    }

    [Test]
    public async Task A_telemetry_model_file_is_in_use_from_the_start()
    {
        string path = WriteModel(AnomalyChannel.TelemetrySensors, "anomaly-forest-from-file");
        try
        {
            var clock = new ManualScheduler(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
            await using var backend = await RunningBackend.StartAsync("sqlite", o => o with { Time = clock, Anomaly = o.Anomaly with { ModelPath = path } });
            var model = await (await backend.Admin.GetAsync("/api/v1/anomaly/model")).JsonAsync(HttpStatusCode.OK);
            Assert.That(model.GetProperty("version").GetString(), Is.EqualTo("anomaly-forest-from-file"));
            Assert.That(model.GetProperty("source").GetString(), Is.EqualTo("simulator"));

            string node = RunningBackend.NewNodeId();
            await (await backend.Anonymous.PostAsync("/api/v1/telemetry", RunningBackend.Json($$"""{"node_id":"{{node}}","temp":21,"humidity":55}""")))
                .JsonAsync(HttpStatusCode.Accepted);
            clock.Advance(TimeSpan.FromMinutes(1));
            var scores = await Http.EventuallyAsync(async () => await (await backend.Admin.GetAsync($"/api/v1/nodes/{node}/anomalies")).JsonAsync(HttpStatusCode.OK),
                s => s.GetArrayLength() == 1, "the reading scored by the file's model", TimeSpan.FromSeconds(60));
            Assert.That(scores[0].GetProperty("modelVersion").GetString(), Is.EqualTo("anomaly-forest-from-file"));
            Assert.That(scores[0].GetProperty("score").GetDouble(), Is.InRange(0.0, 1.0));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task A_model_watching_channels_telemetry_lacks_stops_the_start_with_the_reason()
    {
        string path = WriteModel(Enum.GetValues<SensorChannel>(), "anomaly-forest-five");
        try
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(async () => await RunningBackend.StartAsync("sqlite", o => o with { Anomaly = o.Anomaly with { ModelPath = path } }));
            Assert.That(error.Message, Does.Contain("watches temperature, humidity, pressure, light, gas").And.Contain("--channels telemetry"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
