using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Broker;

/// <summary>Valid MQTT encodings and mutations of them: flipped bits, truncation, wrong lengths, random bytes.</summary>
internal sealed class FuzzCorpus(Random random)
{
    private readonly byte[][] _valid =
    [
        MqttCodec.Encode(new ConnectPacket("fz", true, 30)),
        MqttCodec.Encode(new ConnectPacket("fz-will", false, 5, "u", [1, 2], new MqttWill("fz/will", [9], MqttQos.AtLeastOnce, true))),
        MqttCodec.Encode(new PublishPacket("fz/a", new byte[] { 1, 2, 3 })),
        MqttCodec.Encode(new PublishPacket("fz/b/c", new byte[40], MqttQos.AtLeastOnce, false, false, 10)),
        MqttCodec.Encode(new PublishPacket("fz/r", new byte[] { 7 }, MqttQos.AtLeastOnce, true, false, 11)),
        MqttCodec.Encode(new PublishPacket("fz/q2", new byte[] { 2 }, MqttQos.ExactlyOnce, false, false, 12)),
        MqttCodec.Encode(new PublishPacket("$fz/sys", new byte[200])),
        MqttCodec.Encode(new SubscribePacket(1, [new("fz/#", MqttQos.AtLeastOnce), new("+/x", MqttQos.ExactlyOnce)])),
        MqttCodec.Encode(new UnsubscribePacket(2, ["fz/#"])),
        MqttCodec.Encode(new PacketIdPacket(MqttPacketType.PubAck, 3)),
        MqttCodec.Encode(new PacketIdPacket(MqttPacketType.PubRel, 12)),
        MqttCodec.Encode(new PacketIdPacket(MqttPacketType.PubRec, 4)),
        MqttCodec.Encode(EmptyPacket.PingReq),
        MqttCodec.Encode(EmptyPacket.Disconnect),
        MqttCodec.Encode(new SubAckPacket(1, [0])),
    ];

    public byte[] Next()
    {
        byte[] packet = (byte[])_valid[random.Next(_valid.Length)].Clone();
        switch (random.Next(8))
        {
            case 0: return packet; // some valid traffic keeps connections alive long enough to reach later states
            case 1:
            case 2:
                for (int flips = random.Next(1, 4); flips > 0; flips--) packet[random.Next(packet.Length)] ^= (byte)(1 << random.Next(8));
                return packet;
            case 3: return packet[..random.Next(1, packet.Length)];
            case 4:
                packet[1] = (byte)random.Next(256); // a wrong remaining length, possibly with a continuation bit
                return packet;
            case 5:
                var bytes = new byte[random.Next(1, 64)];
                random.NextBytes(bytes);
                return bytes;
            case 6: return [.. packet, .. new byte[random.Next(1, 5)]]; // trailing garbage
            default:
                packet[0] = (byte)random.Next(256); // any packet type with any flags
                return packet;
        }
    }
}
