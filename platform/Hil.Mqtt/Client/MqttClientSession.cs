using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Client;

/// <summary>A QoS 1 or 2 publish the broker has not finished acknowledging.</summary>
internal sealed class InFlightPublish(PublishPacket packet)
{
    public PublishPacket Packet { get; } = packet;

    /// <summary>QoS 2 only: PUBREC arrived, so what is resent is PUBREL, not the PUBLISH.</summary>
    public bool Released { get; set; }

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// The client side of an MQTT session, which outlives one connection: packet identifiers,
/// publishes awaiting acknowledgement (resent on reconnect), the in-flight window, QoS 2
/// identifiers received but not yet released, and the subscriptions to restore. Thread-safe.
/// </summary>
internal sealed class MqttClientSession
{
    private readonly object _gate = new();
    private readonly Dictionary<ushort, InFlightPublish> _inFlight = [];
    private readonly Dictionary<ushort, TaskCompletionSource<MqttPacket>> _pendingAcks = [];
    private readonly HashSet<ushort> _incomingQos2 = [];
    private readonly Dictionary<string, MqttQos> _subscriptions = new(StringComparer.Ordinal);
    private ushort _lastId;
    private Exception? _ended;

    public MqttClientSession(int maxInFlight) => Window = new SemaphoreSlim(maxInFlight, maxInFlight);

    /// <summary>One slot per QoS 1/2 publish awaiting its acknowledgement: back-pressure on publishers.</summary>
    public SemaphoreSlim Window { get; }

    /// <summary>Registers a publish that holds a window slot; once the session has ended, the slot is given back and this throws.</summary>
    public InFlightPublish AddInFlight(Func<ushort, PublishPacket> create)
    {
        lock (_gate)
        {
            if (_ended is not null)
            {
                Window.Release();
                throw new InvalidOperationException($"Cannot publish: {_ended.Message}", _ended);
            }
            var entry = new InFlightPublish(create(NextId()));
            _inFlight.Add(entry.Packet.PacketId, entry);
            return entry;
        }
    }

    /// <summary>Returns the entry when <paramref name="packetId"/> is in flight (PUBREC marks it released).</summary>
    public InFlightPublish? Find(ushort packetId)
    {
        lock (_gate) return _inFlight.GetValueOrDefault(packetId);
    }

    /// <summary>PUBACK or PUBCOMP: the publish is done and its window slot frees up.</summary>
    public void Complete(ushort packetId)
    {
        InFlightPublish? entry;
        lock (_gate)
        {
            if (!_inFlight.Remove(packetId, out entry)) return;
        }
        Window.Release();
        entry.Completion.TrySetResult();
    }

    /// <summary>What to resend after a reconnect, oldest identifier first.</summary>
    public IReadOnlyList<InFlightPublish> InFlightSnapshot()
    {
        lock (_gate) return _inFlight.Values.OrderBy(e => e.Packet.PacketId).ToArray();
    }

    public TaskCompletionSource<MqttPacket> ExpectAck(out ushort packetId)
    {
        var pending = new TaskCompletionSource<MqttPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            packetId = NextId();
            _pendingAcks.Add(packetId, pending);
        }
        return pending;
    }

    public void ForgetAck(ushort packetId)
    {
        lock (_gate) _pendingAcks.Remove(packetId);
    }

    public void CompleteAck(MqttPacket ack, ushort packetId)
    {
        TaskCompletionSource<MqttPacket>? pending;
        lock (_gate)
        {
            if (!_pendingAcks.Remove(packetId, out pending)) return;
        }
        pending.TrySetResult(ack);
    }

    /// <summary>True the first time a QoS 2 identifier is seen, so a resent PUBLISH is not delivered twice.</summary>
    public bool ReceiveQos2(ushort packetId)
    {
        lock (_gate) return _incomingQos2.Add(packetId);
    }

    public void ReleaseQos2(ushort packetId)
    {
        lock (_gate) _incomingQos2.Remove(packetId);
    }

    public void Subscribed(string filter, MqttQos qos)
    {
        lock (_gate) _subscriptions[filter] = qos;
    }

    public void Unsubscribed(string filter)
    {
        lock (_gate) _subscriptions.Remove(filter);
    }

    public IReadOnlyList<TopicSubscription> Subscriptions()
    {
        lock (_gate) return _subscriptions.Select(s => new TopicSubscription(s.Key, s.Value)).ToArray();
    }

    /// <summary>A SUBSCRIBE or UNSUBSCRIBE cannot outlive its connection: its waiter fails.</summary>
    public void FailPendingAcks(Exception error)
    {
        TaskCompletionSource<MqttPacket>[] pending;
        lock (_gate)
        {
            pending = _pendingAcks.Values.ToArray();
            _pendingAcks.Clear();
        }
        foreach (var waiter in pending) waiter.TrySetException(error);
    }

    /// <summary>The session ends (no reconnect follows): every waiter fails.</summary>
    public void FailAll(Exception error)
    {
        FailPendingAcks(error);
        InFlightPublish[] inFlight;
        lock (_gate)
        {
            _ended ??= error;
            inFlight = _inFlight.Values.ToArray();
            _inFlight.Clear();
            _incomingQos2.Clear();
        }
        foreach (InFlightPublish entry in inFlight)
        {
            Window.Release();
            entry.Completion.TrySetException(error);
        }
    }

    private ushort NextId()
    {
        // Identifiers in use by a publish or a (un)subscribe are skipped; 0 is not a valid identifier.
        for (int tries = 0; tries < ushort.MaxValue; tries++)
        {
            _lastId = (ushort)(_lastId == ushort.MaxValue ? 1 : _lastId + 1);
            if (!_inFlight.ContainsKey(_lastId) && !_pendingAcks.ContainsKey(_lastId)) return _lastId;
        }
        throw new InvalidOperationException("all 65535 packet identifiers are in use");
    }
}
