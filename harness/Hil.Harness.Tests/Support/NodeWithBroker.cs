using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Mqtt.Broker;
using Hil.Simulators.Modem;

namespace Hil.Harness.Tests.Support;

/// <summary>
/// The embedded broker, a reference node whose modem emulator bridges to it, and a platform-side
/// subscriber on the node's topics: the end-to-end rig.
/// </summary>
public sealed class NodeWithBroker : IAsyncDisposable
{
    private NodeWithBroker(MqttBroker broker, RunningNode node, TelemetrySubscriber subscriber, string nodeId)
    {
        Broker = broker;
        Node = node;
        Subscriber = subscriber;
        NodeId = nodeId;
    }

    public MqttBroker Broker { get; }
    public RunningNode Node { get; }
    public TelemetrySubscriber Subscriber { get; }
    public string NodeId { get; }
    public EspAtModem Modem => Node.Modem;
    public NodeConsole Console => Node.Console;
    public string TelemetryTopic => $"devices/{NodeId}/telemetry";

    public static async Task<NodeWithBroker> StartAsync(string backend, ClockMode clockMode = ClockMode.Wall)
    {
        var broker = new MqttBroker(new MqttBrokerOptions());
        await broker.StartAsync();
        TelemetrySubscriber? subscriber = null;
        try
        {
            subscriber = await TelemetrySubscriber.StartAsync(broker.Port, "devices/+/telemetry", "devices/+/acks", "devices/+/status");
            RunningNode node = await RunningNode.StartAsync(backend, clockMode: clockMode,
                uplink: new BrokerUplink("127.0.0.1", broker.Port));
            string nodeId = await node.NodeIdAsync();
            return new NodeWithBroker(broker, node, subscriber, nodeId);
        }
        catch
        {
            if (subscriber is not null) await subscriber.DisposeAsync();
            await broker.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        await Subscriber.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
