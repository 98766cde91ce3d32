using System.Text;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Broker;

public sealed class BrokerDeliveryTests
{
    private static string Text(PublishPacket p) => Encoding.UTF8.GetString(p.Payload.Span);

    [Test]
    public async Task Qos0IsDelivered()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var sub = await RawMqttConnection.ConnectAsync(fixture.Port, "sub");
        Assert.That((await sub.SubscribeAsync("a/b", MqttQos.AtMostOnce)).ReturnCodes, Is.EqualTo(new byte[] { 0 }));
        await using var pub = await RawMqttConnection.ConnectAsync(fixture.Port, "pub");
        await pub.PublishAsync("a/b", "hello");
        PublishPacket received = await sub.ReceivePublishAsync();
        Assert.That((received.Topic, Text(received), received.Qos, received.Retain), Is.EqualTo(("a/b", "hello", MqttQos.AtMostOnce, false)));
    }

    [Test]
    public async Task Qos1IsAcknowledgedToThePublisherAndDeliveredWithAPacketId()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var sub = await RawMqttConnection.ConnectAsync(fixture.Port, "sub");
        await sub.SubscribeAsync("q", MqttQos.AtLeastOnce);
        await using var pub = await RawMqttConnection.ConnectAsync(fixture.Port, "pub");
        await pub.PublishAsync("q", "one", MqttQos.AtLeastOnce, packetId: 77);
        Assert.That(await pub.ReceiveAsync(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubAck, 77)));
        PublishPacket received = await sub.ReceivePublishAsync();
        Assert.That((Text(received), received.Qos, received.Dup), Is.EqualTo(("one", MqttQos.AtLeastOnce, false)));
        Assert.That(received.PacketId, Is.Not.Zero);
    }

    [TestCase(MqttQos.AtLeastOnce, MqttQos.AtMostOnce, MqttQos.AtMostOnce)]
    [TestCase(MqttQos.AtMostOnce, MqttQos.AtLeastOnce, MqttQos.AtMostOnce)]
    [TestCase(MqttQos.ExactlyOnce, MqttQos.ExactlyOnce, MqttQos.AtLeastOnce)]
    public async Task DeliveryQosIsTheLowerOfPublishAndSubscription(MqttQos published, MqttQos subscribed, MqttQos expected)
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var sub = await RawMqttConnection.ConnectAsync(fixture.Port, "sub");
        SubAckPacket ack = await sub.SubscribeAsync("q", subscribed);
        Assert.That(ack.ReturnCodes[0], Is.EqualTo((byte)Math.Min((int)subscribed, 1)), "QoS 2 is granted as QoS 1");
        await fixture.Broker.PublishAsync(new("q", "x", published));
        Assert.That((await sub.ReceivePublishAsync()).Qos, Is.EqualTo(expected));
    }

    [Test]
    public async Task Qos2PublishCompletesTheHandshakeAndIsRoutedOnce()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var sub = await RawMqttConnection.ConnectAsync(fixture.Port, "sub");
        await sub.SubscribeAsync("q2", MqttQos.AtLeastOnce);
        await using var pub = await RawMqttConnection.ConnectAsync(fixture.Port, "pub");
        await pub.PublishAsync("q2", "exactly", MqttQos.ExactlyOnce, packetId: 5);
        Assert.That(await pub.ReceiveAsync(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubRec, 5)));
        await pub.SendAsync(new PublishPacket("q2", Encoding.UTF8.GetBytes("exactly"), MqttQos.ExactlyOnce, Dup: true, PacketId: 5));
        Assert.That(await pub.ReceiveAsync(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubRec, 5)));
        await pub.SendAsync(new PacketIdPacket(MqttPacketType.PubRel, 5));
        Assert.That(await pub.ReceiveAsync(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubComp, 5)));

        Assert.That(Text(await sub.ReceivePublishAsync()), Is.EqualTo("exactly"));
        await fixture.Broker.PublishAsync(new("q2", "marker"));
        Assert.That(Text(await sub.ReceivePublishAsync()), Is.EqualTo("marker"), "the DUP re-send must not be routed twice");
    }

    [Test]
    public async Task OverlappingSubscriptionsDeliverOnceAtTheHighestQos()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var sub = await RawMqttConnection.ConnectAsync(fixture.Port, "sub");
        await sub.SubscribeAsync("a/#", MqttQos.AtMostOnce, 1);
        await sub.SubscribeAsync("a/+", MqttQos.AtLeastOnce, 2);
        await sub.SubscribeAsync("a/b", MqttQos.AtMostOnce, 3);
        await fixture.Broker.PublishAsync(new("a/b", "once", MqttQos.AtLeastOnce));
        await fixture.Broker.PublishAsync(new("a/b", "marker"));
        PublishPacket first = await sub.ReceivePublishAsync();
        Assert.That((Text(first), first.Qos), Is.EqualTo(("once", MqttQos.AtLeastOnce)));
        Assert.That(Text(await sub.ReceivePublishAsync()), Is.EqualTo("marker"));
    }

    [Test]
    public async Task WildcardsMatchAsSpecifiedAndDollarTopicsAreNotMatchedByLeadingWildcards()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var sub = await RawMqttConnection.ConnectAsync(fixture.Port, "sub");
        await sub.SubscribeAsync("#", MqttQos.AtMostOnce, 1);
        await using var plus = await RawMqttConnection.ConnectAsync(fixture.Port, "plus");
        await plus.SubscribeAsync("sensors/+/temp", MqttQos.AtMostOnce, 1);
        await plus.SubscribeAsync("$SYS/#", MqttQos.AtMostOnce, 2);

        foreach (string topic in new[] { "$SYS/uptime", "sensors/a/temp", "sensors/a/b/temp", "sensors/temp", "x" })
            await fixture.Broker.PublishAsync(new(topic, topic));

        var all = new List<string>();
        for (int i = 0; i < 4; i++) all.Add((await sub.ReceivePublishAsync()).Topic);
        Assert.That(all, Is.EqualTo(new[] { "sensors/a/temp", "sensors/a/b/temp", "sensors/temp", "x" }), "'#' skips $SYS");
        Assert.That((await plus.ReceivePublishAsync()).Topic, Is.EqualTo("$SYS/uptime"));
        Assert.That((await plus.ReceivePublishAsync()).Topic, Is.EqualTo("sensors/a/temp"));
        await fixture.Broker.PublishAsync(new("sensors/b/temp", "marker"));
        Assert.That((await plus.ReceivePublishAsync()).Topic, Is.EqualTo("sensors/b/temp"));
    }

    [Test]
    public async Task RetainedMessagesAreStoredReplacedDeletedAndFlaggedOnlyOnSubscribe()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var pub = await RawMqttConnection.ConnectAsync(fixture.Port, "pub");
        await using var live = await RawMqttConnection.ConnectAsync(fixture.Port, "live");
        await live.SubscribeAsync("r/#", MqttQos.AtLeastOnce);
        await pub.PublishAsync("r/1", "old", MqttQos.AtLeastOnce, retain: true, packetId: 1);
        await pub.PublishAsync("r/1", "new", MqttQos.AtLeastOnce, retain: true, packetId: 2);
        await pub.PublishAsync("r/2", "gone", MqttQos.AtLeastOnce, retain: true, packetId: 3);
        await pub.PublishAsync("r/2", "", MqttQos.AtLeastOnce, retain: true, packetId: 4);
        for (int i = 0; i < 4; i++) await pub.ReceiveAsync<PacketIdPacket>();

        // Forwarded to an existing subscriber, the retain flag is cleared.
        for (int i = 0; i < 4; i++) Assert.That((await live.ReceivePublishAsync()).Retain, Is.False);

        await using var late = await RawMqttConnection.ConnectAsync(fixture.Port, "late");
        await late.SubscribeAsync("r/+", MqttQos.AtMostOnce);
        PublishPacket retained = await late.ReceivePublishAsync();
        Assert.That((retained.Topic, Text(retained), retained.Retain, retained.Qos), Is.EqualTo(("r/1", "new", true, MqttQos.AtMostOnce)));
        await fixture.Broker.PublishAsync(new("r/3", "marker"));
        Assert.That(Text(await late.ReceivePublishAsync()), Is.EqualTo("marker"), "r/2 was deleted by its empty payload");
    }

    [Test]
    public async Task UnsubscribeStopsDelivery()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var sub = await RawMqttConnection.ConnectAsync(fixture.Port, "sub");
        await sub.SubscribeAsync("u/a", MqttQos.AtMostOnce, 1);
        await sub.SubscribeAsync("u/b", MqttQos.AtMostOnce, 2);
        await sub.SendAsync(new UnsubscribePacket(3, ["u/a"]));
        Assert.That(await sub.ReceiveAsync(), Is.EqualTo(new PacketIdPacket(MqttPacketType.UnsubAck, 3)));
        await fixture.Broker.PublishAsync(new("u/a", "x"));
        await fixture.Broker.PublishAsync(new("u/b", "y"));
        Assert.That((await sub.ReceivePublishAsync()).Topic, Is.EqualTo("u/b"));
    }
}
