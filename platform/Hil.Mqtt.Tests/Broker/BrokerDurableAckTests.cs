using Hil.Mqtt.Broker;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Broker;

/// <summary>
/// <see cref="MqttBrokerOptions.DurableSubscriber"/>: a publisher's PUBACK means the durable subscriber has acknowledged its
/// copy, PUBACKs keep the publisher's order, and a publisher too far ahead of the durable subscriber is read no further.
/// Absence is checked deterministically: a connection's packets are handled and answered in order, so a PINGRESP that
/// arrives first proves no PUBACK was sent before it.
/// </summary>
public sealed class BrokerDurableAckTests
{
    /// <summary>A broker whose durable subscriber is "store", subscribed to t/# at QoS 1, and a publisher "device".</summary>
    private sealed record Rig(BrokerFixture Fixture, RawMqttConnection Store, RawMqttConnection Device) : IAsyncDisposable
    {
        public static async Task<Rig> StartAsync(BrokerClientLimits? limits = null, Func<PendingDelivery, DeliveryAction>? perturb = null)
        {
            var fixture = await BrokerFixture.StartAsync(o => o with { DurableSubscriber = "store", Limits = limits ?? new BrokerClientLimits() });
            fixture.Broker.Perturb = perturb;
            var store = await RawMqttConnection.ConnectAsync(fixture.Port, "store", clean: false);
            await store.SubscribeAsync("t/#", MqttQos.AtLeastOnce);
            return new Rig(fixture, store, await RawMqttConnection.ConnectAsync(fixture.Port, "device"));
        }

        public async ValueTask DisposeAsync()
        {
            await Device.DisposeAsync();
            await Store.DisposeAsync();
            await Fixture.DisposeAsync();
        }
    }

    [Test]
    public async Task The_publishers_puback_waits_until_the_durable_subscriber_acknowledged_its_copy()
    {
        await using var rig = await Rig.StartAsync();
        var (store, device) = (rig.Store, rig.Device);

        await device.PublishAsync("t/a", "1", MqttQos.AtLeastOnce, packetId: 7);
        PublishPacket copy = await store.ReceivePublishAsync(acknowledge: false);
        await device.SendAsync(EmptyPacket.PingReq);
        Assert.That(await device.ReceiveAsync(), Is.EqualTo(EmptyPacket.PingResp), "no PUBACK before the durable subscriber's");

        await store.SendAsync(new PacketIdPacket(MqttPacketType.PubAck, copy.PacketId));
        Assert.That(await device.ReceiveAsync(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubAck, 7)));
    }

    [Test]
    public async Task Pubacks_keep_the_publishers_order_even_for_a_message_the_durable_subscriber_does_not_take()
    {
        await using var rig = await Rig.StartAsync();
        var (store, device) = (rig.Store, rig.Device);

        await device.PublishAsync("t/a", "1", MqttQos.AtLeastOnce, packetId: 1);
        await device.PublishAsync("other/b", "2", MqttQos.AtLeastOnce, packetId: 2);
        PublishPacket copy = await store.ReceivePublishAsync(acknowledge: false);
        await device.SendAsync(EmptyPacket.PingReq);
        Assert.That(await device.ReceiveAsync(), Is.EqualTo(EmptyPacket.PingResp), "the second PUBACK waits for the first (MQTT 4.6)");

        await store.SendAsync(new PacketIdPacket(MqttPacketType.PubAck, copy.PacketId));
        Assert.That(new[] { await device.ReceiveAsync(), await device.ReceiveAsync() },
            Is.EqualTo(new MqttPacket[] { new PacketIdPacket(MqttPacketType.PubAck, 1), new PacketIdPacket(MqttPacketType.PubAck, 2) }));
    }

    [Test]
    public async Task Without_a_durable_subscriber_session_a_publish_is_acknowledged_at_once()
    {
        await using var fixture = await BrokerFixture.StartAsync(o => o with { DurableSubscriber = "store" });
        await using var device = await RawMqttConnection.ConnectAsync(fixture.Port, "device");
        await device.PublishAsync("t/a", "1", MqttQos.AtLeastOnce, packetId: 3);
        Assert.That(await device.ReceiveAsync(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubAck, 3)));
    }

    [Test]
    public async Task A_publisher_over_its_unacknowledged_publishes_is_read_no_further_until_the_durable_subscriber_catches_up()
    {
        await using var rig = await Rig.StartAsync(new BrokerClientLimits { MaxUnacknowledgedPublishes = 2 });
        var (store, device) = (rig.Store, rig.Device);

        for (ushort id = 1; id <= 3; id++) await device.PublishAsync("t/a", $"{id}", MqttQos.AtLeastOnce, packetId: id);
        await device.SendAsync(EmptyPacket.PingReq);
        PublishPacket first = await store.ReceivePublishAsync(acknowledge: false);
        PublishPacket second = await store.ReceivePublishAsync(acknowledge: false);
        // A bounded look for what must not happen (it cannot make the test fail wrongly, only miss on a very slow machine).
        Assert.That(() => store.ReceiveAsync(TimeSpan.FromMilliseconds(300)), Throws.TypeOf<TimeoutException>(), "the third publish was not read");

        await store.SendAsync(new PacketIdPacket(MqttPacketType.PubAck, first.PacketId));
        Assert.That(await device.ReceiveAsync(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubAck, 1)));
        Assert.That(Text(await store.ReceivePublishAsync(acknowledge: false)), Is.EqualTo("3"), "room for one more: the third is read");
        await store.SendAsync(new PacketIdPacket(MqttPacketType.PubAck, second.PacketId));
        Assert.That(await device.ReceiveAsync(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubAck, 2)));
        Assert.That(await device.ReceiveAsync(), Is.EqualTo(EmptyPacket.PingResp), "and then the PINGREQ behind it");
    }

    [Test]
    public async Task A_delivery_the_harness_drops_on_purpose_releases_the_puback_as_a_lost_acknowledged_message_would()
    {
        await using var rig = await Rig.StartAsync(perturb: d => d.ReceiverClientId == "store" ? DeliveryAction.Drop : DeliveryAction.Deliver);
        var device = rig.Device;

        await device.PublishAsync("t/a", "1", MqttQos.AtLeastOnce, packetId: 5);

        Assert.That(await device.ReceiveAsync(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubAck, 5)));
    }

    private static string Text(PublishPacket p) => System.Text.Encoding.UTF8.GetString(p.Payload.Span);
}
