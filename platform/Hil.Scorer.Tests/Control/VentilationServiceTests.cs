using System.Collections.Concurrent;
using System.Text.Json;
using Hil.Harness.Node;
using Hil.Harness.Support;
using Hil.Harness.Targets;
using Hil.Mqtt.Broker;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Hil.Scorer.Control;
using Hil.Simulators.Modem;

namespace Hil.Scorer.Tests.Control;

/// <summary>The controller served over MQTT to a real (native) node through the embedded broker.</summary>
public sealed class VentilationServiceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Test]
    public async Task A_request_moves_the_nodes_flap_and_the_node_acknowledges()
    {
        await using var broker = new MqttBroker(new MqttBrokerOptions());
        await broker.StartAsync();
        await using var platform = await Observer.StartAsync(broker.Port, "devices/+/acks", "devices/+/status", "scorer/ventilation/#");
        await using VentilationService service = await VentilationService.StartAsync(Options(broker.Port, "vent-service"));
        await using ITarget target = TargetFactory.Create("native", "vent-node");
        await using var modem = new EspAtModem(new BrokerUplink("127.0.0.1", broker.Port));
        modem.Attach(target.GetChannel(ChannelNames.Link));
        await target.StartAsync();
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        await console.WaitForPromptAsync(TimeSpan.FromSeconds(5));
        string nodeId = (await console.ExecuteOkAsync("status"))["node"];
        await platform.WaitForAsync(m => m.Topic == $"devices/{nodeId}/status" && m.PayloadText == "online", "the node online", Wait);

        VentilationDecision expected = VentilationController.Decide(37.5, 75, 0.02);
        Assert.That(expected.FlapPercent, Is.InRange(1, 99), "a case that is neither closed nor fully open");
        await platform.Client.PublishAsync(new MqttApplicationMessage(VentilationService.RequestTopic,
            $$"""{"node_id":"{{nodeId}}","temperature_c":37.5,"humidity_pct":75,"volume":0.02}""", MqttQos.AtLeastOnce));

        MqttApplicationMessage decision = await platform.WaitForAsync(m => m.Topic == VentilationService.DecisionTopic, "the decision", Wait);
        using JsonDocument decided = JsonDocument.Parse(decision.Payload);
        Assert.That(decided.RootElement.GetProperty("position").GetInt32(), Is.EqualTo(expected.FlapPercent));
        Assert.That(decided.RootElement.GetProperty("confidence").GetDouble(), Is.EqualTo(expected.Confidence));
        string commandId = decided.RootElement.GetProperty("command_id").GetString()!;

        MqttApplicationMessage ack = await platform.WaitForAsync(
            m => m.Topic == $"devices/{nodeId}/acks" && m.PayloadText.Contains($"\"{commandId}\""), "the node's ack", Wait);
        using JsonDocument ackJson = JsonDocument.Parse(ack.Payload);
        Assert.That(ackJson.RootElement.GetProperty("status").GetString(), Is.EqualTo("done"), ack.PayloadText);
        Assert.That(ackJson.RootElement.GetProperty("detail").GetString(), Is.EqualTo($"flap={expected.FlapPercent}"));
        Assert.That((await console.ExecuteOkAsync("status"))["flap"], Is.EqualTo(expected.FlapPercent.ToString()));
    }

    [Test]
    public async Task A_malformed_request_is_answered_with_its_reason()
    {
        await using var broker = new MqttBroker(new MqttBrokerOptions());
        await broker.StartAsync();
        await using var platform = await Observer.StartAsync(broker.Port, "scorer/ventilation/errors");
        await using VentilationService service = await VentilationService.StartAsync(Options(broker.Port, "vent-service"));
        await platform.Client.PublishAsync(new MqttApplicationMessage(VentilationService.RequestTopic,
            """{"node_id":"NOT-HEX","temperature_c":30,"humidity_pct":50,"volume":0.01}""", MqttQos.AtLeastOnce));
        MqttApplicationMessage error = await platform.WaitForAsync(m => m.Topic == VentilationService.ErrorTopic, "an error", Wait);
        Assert.That(error.PayloadText, Does.Contain("node_id must be 12 lowercase hex digits"));

        Assert.That(VentilationService.ParseRequest("""{"node_id":"a1b2c3d4e5f6","temperature_c":"hot","humidity_pct":50,"volume":0}"""u8, out string? reason), Is.Null);
        Assert.That(reason, Is.EqualTo("temperature_c must be a number"));
        Assert.That(VentilationService.ParseRequest("{"u8, out reason), Is.Null);
        Assert.That(reason, Does.StartWith("malformed JSON"));
    }

    private static MqttClientOptions Options(int port, string clientId) =>
        new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).Build();

    /// <summary>A platform-side client keeping what it receives.</summary>
    private sealed class Observer : IAsyncDisposable
    {
        private readonly ConcurrentQueue<MqttApplicationMessage> _messages = new();
        private readonly ChangeSignal _changed = new();
        public MqttClient Client { get; } = new();

        public static async Task<Observer> StartAsync(int port, params string[] filters)
        {
            var observer = new Observer();
            observer.Client.ApplicationMessageReceivedAsync += e =>
            {
                observer._messages.Enqueue(e.ApplicationMessage);
                observer._changed.Notify();
                return Task.CompletedTask;
            };
            MqttClientConnectResult result = await observer.Client.ConnectAsync(Options(port, $"observer-{Guid.NewGuid():N}"[..20]));
            Assert.That(result.IsSuccess, Is.True, $"observer connect: {result.ResultCode}");
            foreach (string filter in filters) await observer.Client.SubscribeAsync(filter, MqttQos.AtLeastOnce);
            return observer;
        }

        public async Task<MqttApplicationMessage> WaitForAsync(Func<MqttApplicationMessage, bool> predicate, string awaited, TimeSpan timeout)
        {
            MqttApplicationMessage? found = null;
            bool ok = await _changed.WaitUntilAsync(() => (found = _messages.FirstOrDefault(predicate)) is not null, timeout, TimeProvider.System);
            if (!ok)
                throw new TimeoutException($"No message {awaited} within {timeout.TotalSeconds} s; received: " +
                                           string.Join("; ", _messages.TakeLast(5).Select(m => $"{m.Topic} {m.PayloadText}")));
            return found!;
        }

        public async ValueTask DisposeAsync() => await Client.DisposeAsync();
    }
}
