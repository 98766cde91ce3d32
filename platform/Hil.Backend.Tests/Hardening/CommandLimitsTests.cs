using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hil.Backend.Hosting;
using Hil.Backend.Storage;
using Hil.Backend.Tests.Support;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;

namespace Hil.Backend.Tests.Hardening;

/// <summary>A command too large for the node (or the broker) is refused or failed, never a link that flaps forever.</summary>
public sealed class CommandLimitsTests
{
    private RunningPlatform _running = null!;
    private PlatformHost Platform => _running.Host;
    private HttpClient Admin => _running.Admin;

    [SetUp]
    public async Task StartAsync() => _running = await RunningPlatform.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _running.DisposeAsync();

    private static object Params(int bytes) => new { blob = new string('x', bytes) };

    [Test]
    public async Task A_command_larger_than_the_node_can_take_is_refused_with_the_limit()
    {
        string node = RunningBackend.NewNodeId();
        foreach (int size in new[] { 2 * 1024 * 1024, 10 * 1024 * 1024, 600 })
        {
            var refused = await Admin.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "configure", @params = Params(size) });
            Assert.That(await refused.ProblemAsync(HttpStatusCode.RequestEntityTooLarge), Does.Contain("limit 512"), $"{size} bytes of params");
        }
        await (await Admin.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "configure", @params = Params(400) })).JsonAsync(HttpStatusCode.Created);
    }

    [Test]
    public async Task A_queued_command_too_large_to_send_is_failed_with_the_reason_not_retried()
    {
        string node = RunningBackend.NewNodeId();
        var now = DateTimeOffset.UtcNow;
        // Queued as an older backend (without the limit) would have queued it.
        await Platform.Backend.Store.CreateCommandAsync(new CommandRecord("0123456789abcdef", node, "configure",
            JsonSerializer.SerializeToElement(Params(2 * 1024 * 1024)), CommandStatus.Queued, now, now.AddHours(1), null, null, null, null, null));
        await using var device = new MqttClient();
        Assert.That((await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(Platform.MqttHost, Platform.MqttPort).WithClientId(node).Build())).IsSuccess);
        await device.SubscribeAsync($"devices/{node}/commands", MqttQos.AtLeastOnce);
        await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/status", "online", MqttQos.AtLeastOnce, retain: true));

        var (status, detail) = await Http.EventuallyAsync(async () =>
            {
                var c = await (await Admin.GetAsync("/api/v1/commands/0123456789abcdef")).JsonAsync(HttpStatusCode.OK);
                return (c.GetProperty("status").GetString(), c.GetProperty("detail").GetString());
            }, c => c.Item1 == CommandStatus.Failed, "the command failed", TimeSpan.FromSeconds(15));

        Assert.That(detail, Does.Contain("over the limit of 512"));
        Assert.That((await Admin.GetAsync("/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the backend's broker link held");
    }

    [Test]
    public async Task Ready_says_degraded_while_the_broker_link_keeps_being_dropped()
    {
        await (await Admin.GetAsync("/ready")).JsonAsync(HttpStatusCode.OK);
        for (int i = 0; i < 3; i++)
        {
            await Platform.Broker!.DisconnectClientAsync(PlatformHost.BackendClientId);
            await Http.EventuallyAsync(() => Task.FromResult(Platform.Broker.ConnectedClientIds.Contains(PlatformHost.BackendClientId)), up => up,
                "the backend back on the broker");
        }

        var ready = await Admin.GetAsync("/ready");

        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(await ready.Content.ReadAsStringAsync(), Does.Contain("broker link lost 3 times in the last minute"));
    }
}
