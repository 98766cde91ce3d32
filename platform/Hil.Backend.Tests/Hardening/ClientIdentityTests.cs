using System.Net;
using System.Net.Http.Json;
using Hil.Backend.Apis;
using Hil.Backend.Hosting;
using Hil.Backend.Tests.Support;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;

namespace Hil.Backend.Tests.Hardening;

/// <summary>
/// A client id belongs to one identity (provisioning `keys`): a device with a valid key of its own cannot take over,
/// resume or squat the backend's session or another device's, and every refusal is one log line without a secret.
/// </summary>
public sealed class ClientIdentityTests
{
    private readonly CapturingLoggerProvider _log = new();
    private RunningPlatform _running = null!;
    private PlatformHost Platform => _running.Host;
    private HttpClient Admin => _running.Admin;

    [SetUp]
    public async Task StartAsync() =>
        _running = await RunningPlatform.StartAsync(o => o with { Provisioning = Provisioning.Keys, ExtraLogger = _log });

    [TearDown]
    public async Task StopAsync() => await _running.DisposeAsync();

    private async Task<CreatedApiKey> KeyAsync(string node) =>
        (await (await Admin.PostAsync($"/api/v1/nodes/{node}/keys", null)).Content.ReadFromJsonAsync<CreatedApiKey>())!;

    private MqttClientOptions Login(string clientId, CreatedApiKey key, bool clean = false) => new MqttClientOptionsBuilder()
        .WithTcpServer(Platform.MqttHost, Platform.MqttPort).WithClientId(clientId).WithCredentials(key.NodeId, key.Key).WithCleanSession(clean).Build();

    [Test]
    public async Task A_device_with_its_own_key_cannot_use_another_devices_client_id_nor_get_its_queued_command()
    {
        var f = await KeyAsync(RunningBackend.NewNodeId());
        var e = await KeyAsync(RunningBackend.NewNodeId());
        await using (var owner = new MqttClient())
        {
            Assert.That((await owner.ConnectAsync(Login(f.NodeId, f))).IsSuccess);
            await owner.SubscribeAsync($"devices/{f.NodeId}/commands", MqttQos.AtLeastOnce);
            await owner.DisconnectAsync();
        }
        // F is offline; its persistent session holds a command for it.
        await Platform.Broker!.PublishAsync(new MqttApplicationMessage($"devices/{f.NodeId}/commands", """{"id":"c1","type":"reboot","params":{}}""", MqttQos.AtLeastOnce));

        await using var intruder = new MqttClient();
        var received = new List<string>();
        intruder.ApplicationMessageReceivedAsync += m => { lock (received) received.Add(m.ApplicationMessage.Topic); return Task.CompletedTask; };
        var result = await intruder.ConnectAsync(Login(f.NodeId, e));

        Assert.That(result.ResultCode, Is.EqualTo(ConnectReturnCode.NotAuthorized));
        Assert.That(received, Is.Empty);
        await using var back = new MqttClient();
        var got = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        back.ApplicationMessageReceivedAsync += m => { got.TrySetResult(m.ApplicationMessage.Topic); return Task.CompletedTask; };
        var resumed = await back.ConnectAsync(Login(f.NodeId, f));
        Assert.That((resumed.IsSuccess, resumed.IsSessionPresent), Is.EqualTo((true, true)), "F's own session was left alone");
        Assert.That(await got.Task.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo($"devices/{f.NodeId}/commands"), "and still holds its command");
    }

    [Test]
    public async Task A_device_cannot_take_over_the_backends_client_id_and_the_backend_keeps_its_link()
    {
        var e = await KeyAsync(RunningBackend.NewNodeId());
        for (int attempt = 0; attempt < 5; attempt++)
        {
            await using var intruder = new MqttClient();
            Assert.That((await intruder.ConnectAsync(Login(PlatformHost.BackendClientId, e))).ResultCode, Is.EqualTo(ConnectReturnCode.NotAuthorized));
        }

        Assert.That(Platform.Broker!.ConnectedClientIds, Does.Contain(PlatformHost.BackendClientId));
        var link = (Hil.Backend.Ingest.IDeviceLink)Platform.Backend.Services.GetService(typeof(Hil.Backend.Ingest.IDeviceLink))!;
        Assert.That(link.Health, Is.EqualTo(new Hil.Backend.Ingest.LinkHealth(true, 0)), "never dropped by an intruder");
        await (await Admin.GetAsync("/ready")).JsonAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task A_client_id_of_another_node_is_refused_before_that_node_ever_connected()
    {
        var e = await KeyAsync(RunningBackend.NewNodeId());
        string other = RunningBackend.NewNodeId();
        await using var squatter = new MqttClient();

        Assert.That((await squatter.ConnectAsync(Login(other, e))).ResultCode, Is.EqualTo(ConnectReturnCode.NotAuthorized));
        Assert.That(Platform.Broker!.GetSubscriptions(other), Is.Empty);
        await using var suffixed = new MqttClient();
        Assert.That((await suffixed.ConnectAsync(Login($"{e.NodeId}-diag", e))).IsSuccess, Is.True, "a client id that starts with its own node id is fine");
    }

    [Test]
    public async Task Refused_connects_and_publishes_are_logged_once_with_client_id_identity_and_reason_and_no_secret()
    {
        var e = await KeyAsync(RunningBackend.NewNodeId());
        var f = await KeyAsync(RunningBackend.NewNodeId());
        for (int i = 0; i < 3; i++)
        {
            await using var intruder = new MqttClient();
            await intruder.ConnectAsync(Login(f.NodeId, e));
        }
        await using (var device = new MqttClient())
        {
            Assert.That((await device.ConnectAsync(Login(e.NodeId, e, clean: true))).IsSuccess);
            for (int i = 0; i < 3; i++) await device.PublishAsync(new MqttApplicationMessage($"devices/{f.NodeId}/telemetry", "{}", MqttQos.AtLeastOnce));
            await device.DisconnectAsync();
        }

        var refusals = await Http.EventuallyAsync(() => Task.FromResult(_log.Lines.Where(l => l.Contains("Broker refused", StringComparison.Ordinal)).ToList()),
            l => l.Count >= 2, "the refusals logged");
        Assert.That(refusals, Has.Exactly(1).Contains($"connect from").And.Contains($"client '{f.NodeId}', user '{e.NodeId}'").And.Contains("CONNACK 5"),
            "three identical attempts within a minute are one line");
        Assert.That(refusals, Has.Exactly(1).Contains($"client '{e.NodeId}', user '{e.NodeId}'").And.Contains($"publish to 'devices/{f.NodeId}/telemetry' refused by the ACL"));
        Assert.That(_log.Lines.Where(l => l.Contains(e.Key, StringComparison.Ordinal) || l.Contains(f.Key, StringComparison.Ordinal)), Is.Empty, "no secret in the log");
    }
}
