using System.Text;
using Hil.Mqtt.Broker;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Broker;

public sealed class BrokerSessionTests
{
    private static string Text(PublishPacket p) => Encoding.UTF8.GetString(p.Payload.Span);

    [Test]
    public async Task PersistentSessionQueuesQos1WhileOfflineAndResumesWithSessionPresent()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        var sub = await RawMqttConnection.ConnectAsync(fixture.Port, "node", clean: false);
        await sub.SubscribeAsync("cmd/#", MqttQos.AtLeastOnce);
        await sub.SendAsync(EmptyPacket.Disconnect);
        await sub.DisposeAsync();
        await fixture.WaitForAsync(() => fixture.Broker.ConnectedClientIds.Count == 0, "the node to be offline");

        await fixture.Broker.PublishAsync(new("cmd/1", "q1", MqttQos.AtLeastOnce));
        await fixture.Broker.PublishAsync(new("cmd/2", "q0 is not queued", MqttQos.AtMostOnce));
        await fixture.Broker.PublishAsync(new("cmd/3", "q1 again", MqttQos.AtLeastOnce));

        await using var back = await RawMqttConnection.OpenAsync(fixture.Port);
        ConnAckPacket ack = await back.HandshakeAsync(new ConnectPacket("node", CleanSession: false, 0));
        Assert.That(ack, Is.EqualTo(new ConnAckPacket(true, ConnectReturnCode.Accepted)));
        Assert.That(Text(await back.ReceivePublishAsync()), Is.EqualTo("q1"));
        Assert.That(Text(await back.ReceivePublishAsync()), Is.EqualTo("q1 again"));
    }

    [Test]
    public async Task UnacknowledgedQos1IsResentWithDupOnReconnect()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        var sub = await RawMqttConnection.ConnectAsync(fixture.Port, "node", clean: false);
        await sub.SubscribeAsync("cmd", MqttQos.AtLeastOnce);
        await fixture.Broker.PublishAsync(new("cmd", "unacked", MqttQos.AtLeastOnce));
        PublishPacket first = await sub.ReceivePublishAsync(acknowledge: false);
        sub.Abort();
        await fixture.WaitForAsync(() => fixture.Broker.ConnectedClientIds.Count == 0, "the node to be offline");

        await using var back = await RawMqttConnection.ConnectAsync(fixture.Port, "node", clean: false);
        PublishPacket again = await back.ReceivePublishAsync();
        Assert.That((Text(again), again.Dup, again.PacketId), Is.EqualTo(("unacked", true, first.PacketId)));
    }

    [Test]
    public async Task CleanSessionDiscardsThePreviousSession()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        var sub = await RawMqttConnection.ConnectAsync(fixture.Port, "node", clean: false);
        await sub.SubscribeAsync("cmd", MqttQos.AtLeastOnce);
        await sub.DisposeAsync();
        await fixture.WaitForAsync(() => fixture.Broker.ConnectedClientIds.Count == 0, "the node to be offline");

        await using var clean = await RawMqttConnection.OpenAsync(fixture.Port);
        Assert.That((await clean.HandshakeAsync(new ConnectPacket("node", true, 0))).SessionPresent, Is.False);
        Assert.That(fixture.Broker.GetSubscriptions("node"), Is.Empty);
    }

    [Test]
    public async Task RestartKeepsPersistentSessionsAndRetainedMessagesOnTheSamePort()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        int port = fixture.Port;
        await using var sub = await RawMqttConnection.ConnectAsync(port, "node", clean: false, will: new MqttWill("status/node", [1], MqttQos.AtMostOnce, Retain: true));
        await sub.SubscribeAsync("cmd/#", MqttQos.AtLeastOnce);
        await fixture.Broker.PublishAsync(new("status/retained", "kept", MqttQos.AtLeastOnce, retain: true));

        await fixture.Broker.StopAsync();
        Assert.That(fixture.Broker.IsRunning, Is.False);
        await sub.WaitClosedAsync();
        await fixture.Broker.PublishAsync(new("cmd/reboot", "while down", MqttQos.AtLeastOnce));
        await fixture.Broker.StartAsync();
        Assert.That(fixture.Broker.Port, Is.EqualTo(port));

        await using var watcher = await RawMqttConnection.ConnectAsync(port, "watcher");
        await watcher.SubscribeAsync("status/#", MqttQos.AtLeastOnce);
        PublishPacket retained = await watcher.ReceivePublishAsync();
        Assert.That((retained.Topic, retained.Retain), Is.EqualTo(("status/retained", true)));
        await fixture.Broker.PublishAsync(new("status/marker", "m"));
        Assert.That((await watcher.ReceivePublishAsync()).Topic, Is.EqualTo("status/marker"), "the stop published no (retained) will");

        await using var back = await RawMqttConnection.OpenAsync(port);
        Assert.That((await back.HandshakeAsync(new ConnectPacket("node", false, 0))).SessionPresent, Is.True);
        Assert.That(Text(await back.ReceivePublishAsync()), Is.EqualTo("while down"));
    }

    [Test]
    public async Task A_restart_resends_the_qos1_message_in_flight_to_a_persistent_session()
    {
        // The backend's case: a reading was delivered to it, the broker went down before its PUBACK.
        await using var fixture = await BrokerFixture.StartAsync();
        int port = fixture.Port;
        var backend = await RawMqttConnection.ConnectAsync(port, "backend", clean: false);
        await backend.SubscribeAsync("devices/+/telemetry", MqttQos.AtLeastOnce);
        await fixture.Broker.PublishAsync(new("devices/n1/telemetry", "seq 12", MqttQos.AtLeastOnce));
        PublishPacket first = await backend.ReceivePublishAsync(acknowledge: false);

        await fixture.Broker.StopAsync();
        await backend.WaitClosedAsync();
        await backend.DisposeAsync();
        await fixture.Broker.StartAsync();

        await using var back = await RawMqttConnection.OpenAsync(port);
        Assert.That((await back.HandshakeAsync(new ConnectPacket("backend", false, 0))).SessionPresent, Is.True);
        PublishPacket again = await back.ReceivePublishAsync();
        Assert.That((Text(again), again.Dup, again.PacketId), Is.EqualTo(("seq 12", true, first.PacketId)));
        await fixture.Broker.PublishAsync(new("devices/n1/telemetry", "seq 13", MqttQos.AtLeastOnce));
        Assert.That(Text(await back.ReceivePublishAsync()), Is.EqualTo("seq 13"), "the session's subscription survived the restart");
    }

    [Test]
    public async Task AclRefusesPublishesSilentlyAndSubscriptionsWith0x80()
    {
        await using var fixture = await BrokerFixture.StartAsync(o => o with
        {
            Authorize = a => !a.TopicOrFilter.StartsWith("secret", StringComparison.Ordinal) || a.ClientId == "admin",
        });
        await using var admin = await RawMqttConnection.ConnectAsync(fixture.Port, "admin");
        await admin.SubscribeAsync("secret/#");
        await using var user = await RawMqttConnection.ConnectAsync(fixture.Port, "user");
        await user.SendAsync(new SubscribePacket(9, [new("secret/x", MqttQos.AtLeastOnce), new("open/x", MqttQos.AtLeastOnce)]));
        Assert.That((await user.ReceiveAsync<SubAckPacket>()).ReturnCodes, Is.EqualTo(new byte[] { 0x80, 1 }));

        await user.PublishAsync("secret/x", "sneaky", MqttQos.AtLeastOnce, packetId: 4);
        Assert.That(await user.ReceiveAsync(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubAck, 4)), "MQTT 3.1.1 has no negative PUBACK");
        await fixture.WaitForLogAsync("client 'user' user '(none)': publish to 'secret/x' refused by the ACL; dropped");
        await fixture.Broker.PublishAsync(new("secret/marker", "m"));
        Assert.That((await admin.ReceivePublishAsync()).Topic, Is.EqualTo("secret/marker"));
    }

    [Test]
    public async Task QueuedMessagesBeyondTheSessionLimitDropTheOldest()
    {
        await using var fixture = await BrokerFixture.StartAsync(o => o with { Limits = new BrokerClientLimits { MaxQueuedMessages = 3 } });
        var sub = await RawMqttConnection.ConnectAsync(fixture.Port, "node", clean: false);
        await sub.SubscribeAsync("q", MqttQos.AtLeastOnce);
        await sub.DisposeAsync();
        await fixture.WaitForAsync(() => fixture.Broker.ConnectedClientIds.Count == 0, "the node to be offline");
        for (int i = 1; i <= 5; i++) await fixture.Broker.PublishAsync(new("q", $"{i}", MqttQos.AtLeastOnce));
        await fixture.WaitForLogAsync("session 'node': more than 3 queued messages or 67108864 bytes; dropping the oldest");

        await using var back = await RawMqttConnection.ConnectAsync(fixture.Port, "node", clean: false);
        var texts = new List<string>();
        for (int i = 0; i < 3; i++) texts.Add(Text(await back.ReceivePublishAsync()));
        Assert.That(texts, Is.EqualTo(new[] { "3", "4", "5" }));
    }
}
