using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>
/// One QoS 1 publish whose PUBACK waits for the durable subscriber (<see cref="MqttBrokerOptions.DurableSubscriber"/>)
/// to acknowledge its copy. Referenced by the message until then, so the publisher's connection can be told.
/// </summary>
internal sealed class PendingAck(PublisherAcks owner, ushort packetId, int size)
{
    public ushort PacketId { get; } = packetId;
    public int Size { get; } = size;

    /// <summary>Set while routing when the durable subscriber got a QoS 1 copy: the PUBACK then waits for its acknowledgement.</summary>
    public bool Expected { get; set; }

    /// <summary>The durable subscriber has the message: the PUBACK may go (in its turn).</summary>
    public void Settle() => owner.Finish(this, acknowledge: true);

    /// <summary>The broker lost the durable copy (dropped over a queue bound, or its session ended): no PUBACK, so the publisher keeps it.</summary>
    public void Abandon() => owner.Finish(this, acknowledge: false);

    internal bool Finished { get; set; }
    internal bool Acknowledge { get; set; }
}

/// <summary>
/// A connection's QoS 1 publishes waiting for their PUBACK, in the order they arrived: MQTT 3.1.1 (4.6) wants PUBACKs
/// in that order, so one that is ready waits for those before it. Also the connection's flow control: over its
/// <see cref="BrokerClientLimits.MaxUnacknowledgedPublishes"/> the receive loop waits for room, and the client is held
/// back by TCP, as a broker whose disk is slow would hold it back.
/// </summary>
internal sealed class PublisherAcks(ConnectionSender sender)
{
    private readonly Lock _lock = new();
    private readonly Queue<PendingAck> _order = new();
    private long _bytes;
    private TaskCompletionSource? _room;

    public int Count { get { lock (_lock) return _order.Count; } }

    /// <summary>True while the receive loop is waiting for room (the client is not silent, the broker is not reading).</summary>
    public bool IsHoldingBack { get { lock (_lock) return _room is not null; } }

    public PendingAck Begin(ushort packetId, int size)
    {
        var ack = new PendingAck(this, packetId, size);
        lock (_lock)
        {
            _order.Enqueue(ack);
            _bytes += size;
        }
        return ack;
    }

    public void Finish(PendingAck ack, bool acknowledge)
    {
        TaskCompletionSource? room = null;
        lock (_lock)
        {
            if (ack.Finished) return;
            ack.Finished = true;
            ack.Acknowledge = acknowledge;
            while (_order.TryPeek(out PendingAck? head) && head.Finished)
            {
                _order.Dequeue();
                _bytes -= head.Size;
                // Enqueued under the lock, so PUBACKs leave in arrival order whichever thread finishes which.
                if (head.Acknowledge) sender.TryEnqueue(OutFrame.Ack(MqttPacketType.PubAck, head.PacketId), droppable: false);
            }
            if (_room is not null && _order.Count < _limitCount && _bytes < _limitBytes)
            {
                room = _room;
                _room = null;
            }
        }
        room?.TrySetResult();
    }

    private int _limitCount = int.MaxValue;
    private long _limitBytes = long.MaxValue;

    /// <summary>Waits until the publishes waiting for acknowledgement are below the client's bounds.</summary>
    public Task WaitForRoomAsync(BrokerClientLimits limits, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _limitCount = limits.MaxUnacknowledgedPublishes;
            _limitBytes = limits.MaxUnacknowledgedBytes;
            if (_order.Count < _limitCount && _bytes < _limitBytes) return Task.CompletedTask;
            _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _room.Task.WaitAsync(cancellationToken);
        }
    }
}
