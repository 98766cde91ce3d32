using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hil.Backend.Hosting;
using Hil.Backend.Storage;
using Hil.Backend.Tests.Support;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Microsoft.Extensions.Logging;

namespace Hil.Backend.Tests.Hardening;

/// <summary>A command too large for the node (or the broker) is refused or failed, never a link that flaps forever.</summary>
public sealed class CommandLimitsTests
{
    private PlatformHost _platform = null!;
    private HttpClient _admin = null!;
    private string _data = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _data = Directory.CreateTempSubdirectory("hil-platform-").FullName;
        _platform = await PlatformHost.StartAsync(new BackendOptions { HttpUrl = "http://127.0.0.1:0", DataDirectory = _data, LogLevel = LogLevel.Warning });
        _admin = new HttpClient { BaseAddress = _platform.Backend.HttpAddress };
        _admin.DefaultRequestHeaders.Authorization = new("Bearer", _platform.Backend.AdminToken);
    }

    [TearDown]
    public async Task StopAsync()
    {
        _admin.Dispose();
        await _platform.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private static object Params(int bytes) => new { blob = new string('x', bytes) };

    [Test]
    public async Task A_command_larger_than_the_node_can_take_is_refused_with_the_limit()
    {
        string node = RunningBackend.NewNodeId();
        foreach (int size in new[] { 2 * 1024 * 1024, 10 * 1024 * 1024, 600 })
        {
            var refused = await _admin.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "configure", @params = Params(size) });
            Assert.That(await refused.ProblemAsync(HttpStatusCode.RequestEntityTooLarge), Does.Contain("limit 512"), $"{size} bytes of params");
        }
        await (await _admin.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "configure", @params = Params(400) })).JsonAsync(HttpStatusCode.Created);
    }

    [Test]
    public async Task A_queued_command_too_large_to_send_is_failed_with_the_reason_not_retried()
    {
        string node = RunningBackend.NewNodeId();
        var now = DateTimeOffset.UtcNow;
        // Queued as an older backend (without the limit) would have queued it.
        await _platform.Backend.Store.CreateCommandAsync(new CommandRecord("0123456789abcdef", node, "configure",
            JsonSerializer.SerializeToElement(Params(2 * 1024 * 1024)), CommandStatus.Queued, now, now.AddHours(1), null, null, null, null, null));
        await using var device = new MqttClient();
        Assert.That((await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(_platform.MqttHost, _platform.MqttPort).WithClientId(node).Build())).IsSuccess);
        await device.SubscribeAsync($"devices/{node}/commands", MqttQos.AtLeastOnce);
        await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/status", "online", MqttQos.AtLeastOnce, retain: true));

        var (status, detail) = await Http.EventuallyAsync(async () =>
            {
                var c = await (await _admin.GetAsync("/api/v1/commands/0123456789abcdef")).JsonAsync(HttpStatusCode.OK);
                return (c.GetProperty("status").GetString(), c.GetProperty("detail").GetString());
            }, c => c.Item1 == CommandStatus.Failed, "the command failed", TimeSpan.FromSeconds(15));

        Assert.That(detail, Does.Contain("over the limit of 512"));
        Assert.That((await _admin.GetAsync("/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the backend's broker link held");
    }

    [Test]
    public async Task Ready_says_degraded_while_the_broker_link_keeps_being_dropped()
    {
        await (await _admin.GetAsync("/ready")).JsonAsync(HttpStatusCode.OK);
        for (int i = 0; i < 3; i++)
        {
            await _platform.Broker!.DisconnectClientAsync(PlatformHost.BackendClientId);
            await Http.EventuallyAsync(() => Task.FromResult(_platform.Broker.ConnectedClientIds.Contains(PlatformHost.BackendClientId)), up => up,
                "the backend back on the broker");
        }

        var ready = await _admin.GetAsync("/ready");

        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(await ready.Content.ReadAsStringAsync(), Does.Contain("broker link lost 3 times in the last minute"));
    }
}
