using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Packets;

public sealed class MqttCodecRoundTripTests
{
    private static IEnumerable<TestCaseData> Packets()
    {
        yield return new TestCaseData(new ConnectPacket("dev-1", true, 60)).SetName("CONNECT minimal");
        yield return new TestCaseData(new ConnectPacket("dev-2", false, 5, "user", [1, 2, 3],
            new MqttWill("devices/x/status", "offline"u8.ToArray(), MqttQos.AtLeastOnce, true))).SetName("CONNECT full");
        yield return new TestCaseData(new ConnAckPacket(true, ConnectReturnCode.Accepted)).SetName("CONNACK");
        yield return new TestCaseData(new ConnAckPacket(false, ConnectReturnCode.NotAuthorized)).SetName("CONNACK refused");
        yield return new TestCaseData(new PublishPacket("a/b", "hi"u8.ToArray())).SetName("PUBLISH qos0");
        yield return new TestCaseData(new PublishPacket("a/b", new byte[300], MqttQos.AtLeastOnce, true, true, 42)).SetName("PUBLISH qos1 dup retain");
        yield return new TestCaseData(new PublishPacket("é/ü", ReadOnlyMemory<byte>.Empty, MqttQos.ExactlyOnce, false, false, 65535)).SetName("PUBLISH qos2 empty");
        yield return new TestCaseData(new PublishPacket("big", new byte[20_000], MqttQos.AtMostOnce)).SetName("PUBLISH 3-byte length");
        foreach (MqttPacketType kind in new[] { MqttPacketType.PubAck, MqttPacketType.PubRec, MqttPacketType.PubRel, MqttPacketType.PubComp, MqttPacketType.UnsubAck })
            yield return new TestCaseData(new PacketIdPacket(kind, 7)).SetName($"{kind}");
        yield return new TestCaseData(new SubscribePacket(3, [new("a/+", MqttQos.AtMostOnce), new("#", MqttQos.ExactlyOnce)])).SetName("SUBSCRIBE");
        yield return new TestCaseData(new SubAckPacket(3, [0, 1, 2, SubAckPacket.Failure])).SetName("SUBACK");
        yield return new TestCaseData(new UnsubscribePacket(4, ["a/+", "b"])).SetName("UNSUBSCRIBE");
        yield return new TestCaseData(EmptyPacket.PingReq).SetName("PINGREQ");
        yield return new TestCaseData(EmptyPacket.PingResp).SetName("PINGRESP");
        yield return new TestCaseData(EmptyPacket.Disconnect).SetName("DISCONNECT");
    }

    [TestCaseSource(nameof(Packets))]
    public void EncodeThenDecodeGivesTheSamePacket(MqttPacket packet)
    {
        byte[] bytes = MqttCodec.Encode(packet);
        Assert.That(MqttCodec.TryDecode(bytes, MqttCodec.MaxRemainingLength, out MqttPacket? decoded, out int consumed), Is.True);
        Assert.That(consumed, Is.EqualTo(bytes.Length));
        Assert.That(decoded!.GetType(), Is.EqualTo(packet.GetType()));
        Assert.That(MqttCodec.Encode(decoded), Is.EqualTo(bytes), "re-encoding the decoded packet gives the same bytes");
        // Records holding arrays or lists compare by reference, so compare those members by content.
        switch ((packet, decoded))
        {
            case (PublishPacket p, PublishPacket d):
                Assert.That((d.Topic, d.Qos, d.Retain, d.Dup, d.PacketId), Is.EqualTo((p.Topic, p.Qos, p.Retain, p.Dup, p.PacketId)));
                Assert.That(d.Payload.ToArray(), Is.EqualTo(p.Payload.ToArray()));
                break;
            case (ConnectPacket p, ConnectPacket d):
                Assert.That((d.ClientId, d.CleanSession, d.KeepAliveSeconds, d.Username, d.ProtocolLevel),
                    Is.EqualTo((p.ClientId, p.CleanSession, p.KeepAliveSeconds, p.Username, p.ProtocolLevel)));
                Assert.That(d.Password, Is.EqualTo(p.Password));
                Assert.That((d.Will?.Topic, d.Will?.Qos, d.Will?.Retain, d.Will?.Payload), Is.EqualTo((p.Will?.Topic, p.Will?.Qos, p.Will?.Retain, p.Will?.Payload)));
                break;
            case (SubscribePacket p, SubscribePacket d):
                Assert.That((d.PacketId, d.Subscriptions), Is.EqualTo((p.PacketId, p.Subscriptions)).Using<(ushort, IReadOnlyList<TopicSubscription>)>(
                    (a, b) => a.Item1 == b.Item1 && a.Item2.SequenceEqual(b.Item2)));
                break;
            case (SubAckPacket p, SubAckPacket d):
                Assert.That(d.ReturnCodes, Is.EqualTo(p.ReturnCodes));
                break;
            case (UnsubscribePacket p, UnsubscribePacket d):
                Assert.That(d.Filters, Is.EqualTo(p.Filters));
                break;
            default:
                Assert.That(decoded, Is.EqualTo(packet));
                break;
        }
    }

    [Test]
    public void DecodeAsksForMoreBytesUntilThePacketIsComplete()
    {
        byte[] bytes = MqttCodec.Encode(new PublishPacket("a", new byte[200]));
        for (int length = 0; length < bytes.Length; length++)
            Assert.That(MqttCodec.TryDecode(bytes.AsSpan(0, length), 1 << 20, out _, out _), Is.False, $"{length} bytes");
    }

    [Test]
    public async Task PacketReaderReadsBackToBackPacketsAndReportsAStreamEndingInsideOne()
    {
        byte[] two = [.. MqttCodec.Encode(EmptyPacket.PingReq), .. MqttCodec.Encode(new PacketIdPacket(MqttPacketType.PubAck, 9))];
        var reader = new MqttPacketReader(new MemoryStream([.. two, 0x30, 0x05, 0x00]));
        Assert.That(await reader.ReadAsync(), Is.EqualTo(EmptyPacket.PingReq));
        Assert.That(await reader.ReadAsync(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubAck, 9)));
        await Assert.ThrowsAsync<EndOfStreamException>(async () => await reader.ReadAsync());
        Assert.That(await new MqttPacketReader(new MemoryStream(two[..2])).ReadAsync(), Is.EqualTo(EmptyPacket.PingReq));
    }
}
