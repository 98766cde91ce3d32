using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>One packet waiting in a connection's send queue.</summary>
internal readonly struct OutFrame
{
    private OutFrame(byte[]? raw, Delivery delivery, byte header, ushort packetId)
    {
        Raw = raw;
        Delivery = delivery;
        Header = header;
        PacketId = packetId;
    }

    /// <summary>A complete packet (CONNACK, SUBACK, PINGRESP).</summary>
    public byte[]? Raw { get; }
    /// <summary>A PUBLISH when <see cref="Raw"/> is null and the message is set.</summary>
    public Delivery Delivery { get; }
    public byte Header { get; }
    public ushort PacketId { get; }

    public bool IsPublish => Raw is null && Delivery.Message is not null;

    public int Length => Raw?.Length ?? (Delivery.Message is { } m
        ? (Delivery.Qos == MqttQos.AtMostOnce ? m.FrameWithoutId.Length : m.FrameWithId.Length)
        : 4);

    public static OutFrame Packet(byte[] raw) => new(raw, default, 0, 0);

    /// <summary>PUBACK, PUBREC, PUBCOMP, UNSUBACK: written straight into the batch, no array.</summary>
    public static OutFrame Ack(MqttPacketType type, ushort packetId) =>
        new(null, default, (byte)((int)type << 4 | (type == MqttPacketType.PubRel ? 2 : 0)), packetId);

    public static OutFrame Publish(Delivery delivery, ushort packetId, bool dup) =>
        new(null, delivery, BrokerMessage.PublishHeader(delivery.Qos, delivery.Retain, dup), packetId);
}

/// <summary>
/// A connection's outgoing side: an unbounded channel drained by one async loop that copies as
/// many queued packets as fit into one pooled buffer and writes them with a single call, so a
/// slow reader only ever delays itself. Memory is bounded by a byte budget: QoS 0 publishes over
/// it are dropped, and a peer whose queue keeps growing past it is disconnected.
/// </summary>
internal sealed class ConnectionSender(long maxQueuedBytes, Action<OutFrame>? onPublishWritten)
{
    /// <summary>The byte budget; set from the client's limits once it has authenticated.</summary>
    public long MaxQueuedBytes { get; set; } = maxQueuedBytes;

    private const int BatchSize = 64 * 1024;
    private readonly Channel<OutFrame> _queue = Channel.CreateUnbounded<OutFrame>(new UnboundedChannelOptions { SingleReader = true });
    private long _queuedBytes;

    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>False when the connection is closing, or a droppable frame is over the budget.</summary>
    public bool TryEnqueue(OutFrame frame, bool droppable)
    {
        int length = frame.Length;
        if (droppable && Interlocked.Read(ref _queuedBytes) + length > MaxQueuedBytes) return false;
        Interlocked.Add(ref _queuedBytes, length);
        if (_queue.Writer.TryWrite(frame)) return true;
        Interlocked.Add(ref _queuedBytes, -length);
        return false;
    }

    /// <summary>Whether non-droppable frames have piled up far beyond the budget (the peer is not reading).</summary>
    public bool IsOverwhelmed => Interlocked.Read(ref _queuedBytes) > 4 * MaxQueuedBytes;

    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Drains the queue into <paramref name="stream"/> until completed or cancelled; write errors propagate.</summary>
    public async Task RunAsync(Stream stream, CancellationToken cancellationToken)
    {
        ChannelReader<OutFrame> reader = _queue.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BatchSize);
            try
            {
                int used = 0;
                while (reader.TryRead(out OutFrame frame))
                {
                    int length = frame.Length;
                    if (used + length > buffer.Length)
                    {
                        await stream.WriteAsync(buffer.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
                        Interlocked.Add(ref _queuedBytes, -used);
                        used = 0;
                        if (length > buffer.Length)
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = ArrayPool<byte>.Shared.Rent(length);
                        }
                    }
                    used += Write(frame, buffer.AsSpan(used));
                    if (frame.IsPublish) onPublishWritten?.Invoke(frame);
                }
                if (used > 0)
                {
                    await stream.WriteAsync(buffer.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
                    Interlocked.Add(ref _queuedBytes, -used);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static int Write(OutFrame frame, Span<byte> target)
    {
        if (frame.Raw is { } raw)
        {
            raw.CopyTo(target);
            return raw.Length;
        }
        if (frame.Delivery.Message is not { } message)
        {
            target[0] = frame.Header;
            target[1] = 2;
            BinaryPrimitives.WriteUInt16BigEndian(target[2..], frame.PacketId);
            return 4;
        }
        if (frame.Delivery.Qos == MqttQos.AtMostOnce)
        {
            byte[] template = message.FrameWithoutId;
            template.CopyTo(target);
            target[0] = frame.Header;
            return template.Length;
        }
        byte[] withId = message.FrameWithId;
        withId.CopyTo(target);
        target[0] = frame.Header;
        BinaryPrimitives.WriteUInt16BigEndian(target[message.PacketIdOffset(withId)..], frame.PacketId);
        return withId.Length;
    }
}
