using System.Text;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>
/// One application message inside the broker. Its PUBLISH encoding is built once per QoS level
/// and shared by every subscriber: the send loop copies the template and patches the first byte
/// (DUP, QoS, RETAIN) and the packet identifier, so fan-out allocates nothing per subscriber.
/// </summary>
internal sealed class BrokerMessage(string senderClientId, string topic, ReadOnlyMemory<byte> payload, MqttQos qos, bool retain, DateTimeOffset receivedAt)
{
    private byte[]? _frameWithoutId;
    private byte[]? _frameWithId;

    public string SenderClientId { get; } = senderClientId;
    public string Topic { get; } = topic;
    public ReadOnlyMemory<byte> Payload { get; } = payload;
    public MqttQos Qos { get; } = qos;
    public bool Retain { get; } = retain;
    public DateTimeOffset ReceivedAt { get; } = receivedAt;

    /// <summary>The publisher's PUBACK, while it waits for the durable subscriber to acknowledge this message.</summary>
    public PendingAck? PublisherAck { get; set; }

    /// <summary>What the message costs a session that holds it, for its byte bounds.</summary>
    public int Size => Payload.Length + Topic.Length + 4;

    /// <summary>Offset of the packet identifier inside <paramref name="frameWithId"/>: just before the payload.</summary>
    public int PacketIdOffset(byte[] frameWithId) => frameWithId.Length - Payload.Length - 2;

    /// <summary>The QoS 0 encoding (no packet identifier).</summary>
    public byte[] FrameWithoutId => _frameWithoutId ??= Encode(withId: false);

    /// <summary>The QoS 1/2 encoding; the identifier bytes are patched per delivery.</summary>
    public byte[] FrameWithId
    {
        get
        {
            // Concurrent first callers build identical arrays; whichever is kept is correct.
            if (_frameWithId is { } frame) return frame;
            frame = Encode(withId: true);
            _frameWithId = frame;
            return frame;
        }
    }

    public static byte PublishHeader(MqttQos qos, bool retain, bool dup) =>
        (byte)(0x30 | (dup ? 8 : 0) | ((int)qos << 1) | (retain ? 1 : 0));

    private byte[] Encode(bool withId)
    {
        int topicLength = Encoding.UTF8.GetByteCount(Topic);
        int remaining = 2 + topicLength + (withId ? 2 : 0) + Payload.Length;
        int lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
        var frame = new byte[1 + lengthBytes + remaining];
        frame[0] = PublishHeader(withId ? MqttQos.AtLeastOnce : MqttQos.AtMostOnce, retain: false, dup: false);
        int position = 1;
        int length = remaining;
        do
        {
            byte digit = (byte)(length % 128);
            length /= 128;
            if (length > 0) digit |= 0x80;
            frame[position++] = digit;
        } while (length > 0);
        frame[position++] = (byte)(topicLength >> 8);
        frame[position++] = (byte)topicLength;
        position += Encoding.UTF8.GetBytes(Topic, frame.AsSpan(position));
        if (withId) position += 2;
        Payload.Span.CopyTo(frame.AsSpan(position));
        return frame;
    }
}

/// <summary>A message on its way to one session, at the QoS and retain flag it is delivered with.</summary>
internal readonly record struct Delivery(BrokerMessage Message, MqttQos Qos, bool Retain);
