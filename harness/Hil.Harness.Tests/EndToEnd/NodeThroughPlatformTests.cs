using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hil.Backend.Hosting;
using Hil.Harness.Node;
using Hil.Harness.Tests.Support;
using Hil.Simulators.Modem;
using Microsoft.Extensions.Logging;

namespace Hil.Harness.Tests.EndToEnd;

/// <summary>
/// The reference node → modem emulator → embedded broker → backend, as `hil platform up` runs them: its
/// telemetry is stored with no gap in its sequence numbers, and a command created through the API reaches
/// the node and comes back acknowledged.
/// </summary>
[TestFixture("native")]
[TestFixture("qemu")]
public sealed class NodeThroughPlatformTests(string backend)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Test]
    public async Task Telemetry_is_stored_without_gaps_and_an_api_command_is_acknowledged()
    {
        string data = Directory.CreateTempSubdirectory("hil-e2e-").FullName;
        try
        {
            await using var platform = await PlatformHost.StartAsync(new BackendOptions
            {
                HttpUrl = "http://127.0.0.1:0", DataDirectory = data, LogLevel = LogLevel.Warning,
            });
            using var api = new HttpClient { BaseAddress = platform.Backend.HttpAddress };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", platform.Backend.AdminToken);
            await using RunningNode node = await RunningNode.StartAsync(backend, uplink: new BrokerUplink(platform.MqttHost, platform.MqttPort));
            string id = await node.NodeIdAsync();
            await node.Modem.WaitForMqttAsync(Wait);
            await PollAsync(api, $"/api/v1/nodes/{id}", n => n.GetProperty("online").ValueKind == JsonValueKind.True, "the node online through its retained status");

            double[] temperatures = [21.5, 22.0, 22.5, 23.0, 23.5];
            foreach (double t in temperatures) await node.SendStimulusAsync(StimulusFrames.Sensor(t, 55, publishNow: true));
            var rows = await PollAsync(api, $"/api/v1/nodes/{id}/telemetry", r => r.GetArrayLength() >= temperatures.Length, "five stored readings");
            var seqs = rows.EnumerateArray().Select(r => r.GetProperty("seq").GetInt64()).ToList();
            Assert.That(seqs, Is.EqualTo(Enumerable.Range((int)seqs[0], seqs.Count).Select(i => (long)i)), "consecutive sequence numbers: no gap, no repeat");
            Assert.That(rows.EnumerateArray().TakeLast(temperatures.Length).Select(r => r.GetProperty("temperatureC").GetDouble()), Is.EqualTo(temperatures));

            var created = await api.PostAsJsonAsync($"/api/v1/nodes/{id}/commands", new { type = "set_flap", @params = new { position = 40 } });
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
            string command = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            var done = await PollAsync(api, $"/api/v1/commands/{command}", c => c.GetProperty("status").GetString() is "done" or "failed", "the node's ack");
            Assert.That(done.GetProperty("status").GetString(), Is.EqualTo("done"), done.GetRawText());
            Assert.That(done.GetProperty("deliveredVia").GetString(), Is.EqualTo("mqtt"));
            Assert.That((await node.Console.ExecuteOkAsync("status"))["flap"], Is.EqualTo("40"));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Polls a route until its JSON satisfies <paramref name="done"/>; the timeout names what was awaited and shows the last answer.</summary>
    private static async Task<JsonElement> PollAsync(HttpClient api, string path, Func<JsonElement, bool> done, string what)
    {
        using var timeout = new CancellationTokenSource(Wait);
        string last = "";
        while (!timeout.IsCancellationRequested)
        {
            using var response = await api.GetAsync(path, CancellationToken.None);
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            if (response.IsSuccessStatusCode)
            {
                var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                if (done(json)) return json;
            }
            await Task.Delay(50, CancellationToken.None); // polling interval of the condition, not a readiness guess
        }
        throw new TimeoutException($"timed out after {Wait.TotalSeconds} s waiting for {what} at {path}; last answer: {last}");
    }
}
