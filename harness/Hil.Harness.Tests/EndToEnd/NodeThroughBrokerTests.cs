using System.Text.Json;
using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Support;
using Hil.Harness.Tests.Support;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;

namespace Hil.Harness.Tests.EndToEnd;

/// <summary>The node's telemetry and commands through the modem emulator and a real broker, on every backend.</summary>
[TestFixture("native")]
[TestFixture("qemu")]
public sealed class NodeThroughBrokerTests(string backend)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Test]
    public async Task Telemetry_reaches_a_subscriber_and_a_command_is_executed_and_acknowledged()
    {
        await using NodeWithBroker rig = await NodeWithBroker.StartAsync(backend);
        await rig.Modem.WaitForMqttAsync(Wait);
        await rig.Subscriber.WaitForAsync(m => m.Topic == $"devices/{rig.NodeId}/status" && m.PayloadText == "online", "online status", Wait);

        await rig.Node.SendStimulusAsync(StimulusFrames.Sensor(24.5, 58, publishNow: true));
        MqttApplicationMessage telemetry = await rig.Subscriber.WaitForAsync(m => m.Topic == rig.TelemetryTopic, "telemetry", Wait);

        using (JsonDocument json = JsonDocument.Parse(telemetry.Payload))
        {
            Assert.That(json.RootElement.GetProperty("temperature_c").GetDouble(), Is.EqualTo(24.5));
            Assert.That(json.RootElement.GetProperty("node_id").GetString(), Is.EqualTo(rig.NodeId));
        }

        await using var operatorClient = new MqttClient();
        await operatorClient.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", rig.Broker.Port).WithClientId("operator").Build());
        await operatorClient.PublishAsync(new MqttApplicationMessage($"devices/{rig.NodeId}/commands",
            """{"id":"c-40","type":"set_flap","params":{"position":40}}""", MqttQos.AtLeastOnce));

        MqttApplicationMessage ack = await rig.Subscriber.WaitForAsync(
            m => m.Topic == $"devices/{rig.NodeId}/acks" && m.PayloadText.Contains("\"c-40\""), "the command's ack", Wait);
        using JsonDocument ackJson = JsonDocument.Parse(ack.Payload);
        Assert.That(ackJson.RootElement.GetProperty("status").GetString(), Is.EqualTo("done"), ack.PayloadText);
        Assert.That((await rig.Console.ExecuteOkAsync("status"))["flap"], Is.EqualTo("40"));
    }
}

/// <summary>Outages in virtual time: minutes of device time pass in a moment, and no reading is lost or repeated.</summary>
public sealed class OutageRecoveryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_minute_without_wifi_loses_and_repeats_no_reading()
    {
        await using NodeWithBroker rig = await StartReportingEvery5sAsync();

        await rig.Modem.WifiOutageAsync(TimeSpan.FromSeconds(60), rig.Node.Target.Clock);
        ConsoleReply during = await rig.Console.ExecuteOkAsync("status");
        await rig.Node.Target.Clock.AdvanceAsync(TimeSpan.FromSeconds(120));

        Assert.That(during.GetInt64("buffered"), Is.GreaterThanOrEqualTo(10), "readings were buffered during the outage: " + during.Text);
        await AssertEveryReadingArrivedOnceInOrderAsync(rig);
        Assert.That((await rig.Console.ExecuteOkAsync("status")).GetInt64("reconnects"), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task A_broker_restart_loses_and_repeats_no_reading()
    {
        await using NodeWithBroker rig = await StartReportingEvery5sAsync();

        await rig.Broker.StopAsync();
        await rig.Node.Target.Clock.AdvanceAsync(TimeSpan.FromSeconds(60));
        await rig.Broker.StartAsync();
        await rig.Node.Target.Clock.AdvanceAsync(TimeSpan.FromSeconds(120));

        await AssertEveryReadingArrivedOnceInOrderAsync(rig);
    }

    private static async Task<NodeWithBroker> StartReportingEvery5sAsync()
    {
        NodeWithBroker rig = await NodeWithBroker.StartAsync("native", ClockMode.Virtual);
        await rig.Console.ExecuteOkAsync("config set interval_s 5");
        await rig.Node.Target.Clock.AdvanceAsync(TimeSpan.FromSeconds(30));
        await rig.Subscriber.WaitForAsync(m => m.Topic == rig.TelemetryTopic, "a first reading", Wait);
        // Faults start between exchanges: a QoS 1 publish cut between the broker's PUBACK and the
        // node's +MQTTPUB:OK is legitimately sent twice (the backend de-duplicates by boot and seq).
        await WaitUntilIdleAsync(rig);
        return rig;
    }

    private static Task WaitUntilIdleAsync(NodeWithBroker rig) =>
        Poll.UntilAsync(ct => rig.Console.ExecuteOkAsync("status", cancellationToken: ct), s => s.GetInt64("buffered") == 0,
            "the node's offline buffer to be empty", Wait);

    /// <summary>Every sequence number the node published reaches the platform exactly once, in order.</summary>
    private static async Task AssertEveryReadingArrivedOnceInOrderAsync(NodeWithBroker rig)
    {
        // The last reading may still be on its way through the modem when time stops: wait for the replay to finish.
        await WaitUntilIdleAsync(rig);
        long lastSeq = rig.Modem.PublishesOn(rig.TelemetryTopic)
            .Select(p => JsonDocument.Parse(p.Payload).RootElement.GetProperty("seq").GetInt64()).Max();
        await rig.Subscriber.WaitForAsync(m => m.Topic == rig.TelemetryTopic && m.PayloadText.Contains($"\"seq\":{lastSeq},"),
            $"reading seq {lastSeq}", Wait);

        IReadOnlyList<(long Boot, long Seq)> received = rig.Subscriber.TelemetrySequence(rig.TelemetryTopic);
        Assert.That(received.Select(r => r.Boot).Distinct(), Is.EqualTo(new[] { 1L }));
        Assert.That(received.Select(r => r.Seq), Is.EqualTo(Enumerable.Range(1, (int)lastSeq).Select(i => (long)i)),
            "sequence numbers 1..N, each once, in order");
        Assert.That(lastSeq, Is.GreaterThanOrEqualTo(40), "about 3.5 minutes of readings every 5 s");
    }
}

/// <summary>The modem bridges to any MQTT broker: here Mosquitto, the conformance reference.</summary>
public sealed class NodeThroughMosquittoTests
{
    [Test]
    public async Task The_node_publishes_through_mosquitto_too()
    {
        await using Hil.Mqtt.Mosquitto.MosquittoProcess mosquitto = await Hil.Mqtt.Mosquitto.MosquittoProcess.StartAsync();
        await using TelemetrySubscriber subscriber = await TelemetrySubscriber.StartAsync(mosquitto.Port, "devices/+/telemetry");
        await using RunningNode node = await RunningNode.StartAsync("native", uplink: new Hil.Simulators.Modem.BrokerUplink(mosquitto.Host, mosquitto.Port));
        string topic = $"devices/{await node.NodeIdAsync()}/telemetry";
        await node.Modem.WaitForMqttAsync(TimeSpan.FromSeconds(20));

        await node.SendStimulusAsync(StimulusFrames.Sensor(19.25, 71.5, publishNow: true));

        MqttApplicationMessage telemetry = await subscriber.WaitForAsync(m => m.Topic == topic, "telemetry via Mosquitto", TimeSpan.FromSeconds(20));
        using JsonDocument json = JsonDocument.Parse(telemetry.Payload);
        Assert.That(json.RootElement.GetProperty("temperature_c").GetDouble(), Is.EqualTo(19.25));
        Assert.That(json.RootElement.GetProperty("humidity_pct").GetDouble(), Is.EqualTo(71.5));
    }
}
