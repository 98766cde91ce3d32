using System.Collections.Concurrent;
using System.Text;
using Hil.Mqtt.Broker;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Broker;

public sealed class BrokerHookTests
{
    private static string Text(PublishPacket p) => Encoding.UTF8.GetString(p.Payload.Span);
    private static string Text(ReadOnlyMemory<byte> payload) => Encoding.UTF8.GetString(payload.Span);

    private static async Task<(BrokerFixture, RawMqttConnection, RawMqttConnection)> PairAsync(Func<PendingDelivery, DeliveryAction>? perturb = null)
    {
        BrokerFixture fixture = await BrokerFixture.StartAsync();
        fixture.Broker.Perturb = perturb;
        RawMqttConnection sub = await RawMqttConnection.ConnectAsync(fixture.Port, "sub");
        await sub.SubscribeAsync("t/#", MqttQos.AtLeastOnce);
        RawMqttConnection pub = await RawMqttConnection.ConnectAsync(fixture.Port, "pub");
        return (fixture, sub, pub);
    }

    private static async Task<List<string>> ReceiveTextsAsync(RawMqttConnection sub, int count)
    {
        var texts = new List<string>();
        for (int i = 0; i < count; i++) texts.Add(Text(await sub.ReceivePublishAsync()));
        return texts;
    }

    [Test]
    public async Task ObserveSeesTheReceiptAndEachDeliveryWithTimestamps()
    {
        var (fixture, sub, pub) = await PairAsync();
        await using var _f = fixture; await using var _s = sub; await using var _p = pub;
        var events = new ConcurrentQueue<BrokerMessageEvent>();
        fixture.Broker.Observe = events.Enqueue;
        await pub.PublishAsync("t/x", "seen", MqttQos.AtLeastOnce, retain: true, packetId: 3);
        await sub.ReceivePublishAsync();
        await fixture.WaitForAsync(() => events.Count == 2, "a receive and a delivery event");

        BrokerMessageEvent received = events.First(e => e.ReceiverClientId is null);
        BrokerMessageEvent delivered = events.First(e => e.ReceiverClientId is not null);
        Assert.That((received.SenderClientId, received.Topic, Text(received.Payload), received.Qos, received.Retain),
            Is.EqualTo(("pub", "t/x", "seen", MqttQos.AtLeastOnce, true)));
        Assert.That((delivered.ReceiverClientId, delivered.Retain, delivered.ReceivedAt), Is.EqualTo(("sub", false, received.ReceivedAt)));
        Assert.That(delivered.DeliveredAt, Is.GreaterThanOrEqualTo(received.ReceivedAt));
    }

    [Test]
    public async Task PerturbDropDiscardsTheDelivery()
    {
        var (fixture, sub, pub) = await PairAsync(d => Text(d.Payload) == "lost" ? DeliveryAction.Drop : DeliveryAction.Deliver);
        await using var _f = fixture; await using var _s = sub; await using var _p = pub;
        await pub.PublishAsync("t/a", "lost");
        await pub.PublishAsync("t/a", "kept");
        Assert.That(await ReceiveTextsAsync(sub, 1), Is.EqualTo(new[] { "kept" }));
    }

    [Test]
    public async Task PerturbDuplicateDeliversTwice()
    {
        var (fixture, sub, pub) = await PairAsync(d => Text(d.Payload) == "twice" ? DeliveryAction.Duplicate : DeliveryAction.Deliver);
        await using var _f = fixture; await using var _s = sub; await using var _p = pub;
        await pub.PublishAsync("t/a", "twice", MqttQos.AtLeastOnce, packetId: 1);
        await pub.PublishAsync("t/a", "once");
        Assert.That(await ReceiveTextsAsync(sub, 3), Is.EqualTo(new[] { "twice", "twice", "once" }));
    }

    [Test]
    public async Task PerturbReorderHoldsADeliveryUntilAfterTheNext()
    {
        var (fixture, sub, pub) = await PairAsync(d => Text(d.Payload) == "1" ? DeliveryAction.Reorder : DeliveryAction.Deliver);
        await using var _f = fixture; await using var _s = sub; await using var _p = pub;
        foreach (string text in new[] { "1", "2", "3" }) await pub.PublishAsync("t/a", text);
        Assert.That(await ReceiveTextsAsync(sub, 3), Is.EqualTo(new[] { "2", "1", "3" }));
    }

    [Test]
    public async Task PerturbDelayDeliversLaterThroughTheTimeProvider()
    {
        TimeSpan delay = TimeSpan.FromMilliseconds(300);
        var (fixture, sub, pub) = await PairAsync(d => Text(d.Payload) == "late" ? DeliveryAction.Delay(delay) : DeliveryAction.Deliver);
        await using var _f = fixture; await using var _s = sub; await using var _p = pub;
        var delivered = new ConcurrentQueue<BrokerMessageEvent>();
        fixture.Broker.Observe = e => { if (e.ReceiverClientId is not null) delivered.Enqueue(e); };
        await pub.PublishAsync("t/a", "late", MqttQos.AtLeastOnce, packetId: 1);
        await pub.PublishAsync("t/a", "prompt");
        Assert.That(await ReceiveTextsAsync(sub, 2), Is.EqualTo(new[] { "prompt", "late" }));
        BrokerMessageEvent late = delivered.Single(e => Text(e.Payload) == "late");
        Assert.That(late.DeliveredAt - late.ReceivedAt, Is.GreaterThanOrEqualTo(delay - TimeSpan.FromMilliseconds(20)));
    }
}
