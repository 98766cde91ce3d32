using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>
/// The state MQTT keeps per client id: subscriptions, QoS 1 messages in flight (sent, not yet
/// acknowledged) and queued (waiting for a connection or for room in the in-flight window), and
/// inbound QoS 2 identifiers awaiting PUBREL. A persistent session outlives its connections and a
/// broker restart; a clean one ends with its connection. Every member is guarded by the session's lock.
/// What it holds is bounded by its client's <see cref="BrokerClientLimits"/> (in flight and queued, in
/// messages and bytes); beyond them the oldest queued message is dropped, counted and reported once per episode.
/// </summary>
internal sealed class BrokerSession(string clientId, bool clean, string? owner, BrokerCore core)
{
    private readonly Dictionary<string, MqttQos> _subscriptions = new(StringComparer.Ordinal);
    private readonly Dictionary<ushort, (Delivery Delivery, long Sequence)> _inflight = [];
    private readonly Queue<Delivery> _queued = new();
    private readonly HashSet<ushort> _inboundQos2 = [];
    private BrokerClientLimits _limits = core.Options.Limits;
    private Delivery? _heldForReorder;
    private ushort _lastPacketId;
    private long _sequence;
    private long _inflightBytes;
    private long _queuedBytes;
    private long _dropped;
    private bool _droppingReported;

    public string ClientId { get; } = clientId;
    public bool Clean { get; } = clean;

    /// <summary>The identity (user name) that created the session: only it may connect with this client id.</summary>
    public string? Owner { get; } = owner;

    /// <summary>This session's copies make a publish durable: acknowledging one releases the publisher's PUBACK.</summary>
    private bool IsDurable { get; } = clientId == core.Options.DurableSubscriber;

    /// <summary>Set once the session has ended (clean session closed, or replaced by a clean connect).</summary>
    public bool Discarded { get; private set; }

    /// <summary>The connection currently serving the session, or null while offline.</summary>
    public BrokerConnection? Connection { get; private set; }

    public IReadOnlyList<TopicSubscription> Subscriptions
    {
        get { lock (this) return [.. _subscriptions.Select(s => new TopicSubscription(s.Key, s.Value))]; }
    }

    /// <summary>Records the subscription; the caller keeps the broker's index in step.</summary>
    public void Subscribe(string filter, MqttQos qos) { lock (this) _subscriptions[filter] = qos; }

    public bool Unsubscribe(string filter) { lock (this) return _subscriptions.Remove(filter); }

    /// <summary>Ends the session; returns its filters so the caller can remove them from the index.</summary>
    public string[] Discard()
    {
        lock (this)
        {
            Discarded = true;
            Connection = null;
            string[] filters = [.. _subscriptions.Keys];
            _subscriptions.Clear();
            if (IsDurable)
            {
                foreach ((Delivery delivery, _) in _inflight.Values) delivery.Message.PublisherAck?.Abandon();
                foreach (Delivery delivery in _queued) delivery.Message.PublisherAck?.Abandon();
            }
            _inflight.Clear();
            _queued.Clear();
            _inflightBytes = _queuedBytes = 0;
            return filters;
        }
    }

    /// <summary>
    /// Binds <paramref name="connection"/> with its client's bounds: queues CONNACK first, then re-sends
    /// unacknowledged messages with DUP set (MQTT 4.4) and then what was queued while offline.
    /// </summary>
    public void Attach(BrokerConnection connection, byte[] connAck, BrokerClientLimits limits)
    {
        lock (this)
        {
            Connection = connection;
            _limits = limits;
            connection.Sender.TryEnqueue(OutFrame.Packet(connAck), droppable: false);
            foreach (KeyValuePair<ushort, (Delivery Delivery, long Sequence)> entry in _inflight.OrderBy(e => e.Value.Sequence))
                connection.Sender.TryEnqueue(OutFrame.Publish(entry.Value.Delivery, entry.Key, dup: true), droppable: false);
            SendQueued(connection);
        }
    }

    /// <summary>Unbinds <paramref name="connection"/> if it is still the current one.</summary>
    public bool Detach(BrokerConnection connection)
    {
        lock (this)
        {
            if (Connection != connection) return false;
            Connection = null;
            return true;
        }
    }

    /// <summary>Delivers now, or queues (QoS 1, in flight window full or offline), or drops (QoS 0 offline or over budget).</summary>
    public void Deliver(Delivery delivery)
    {
        lock (this)
        {
            Enqueue(delivery);
            if (_heldForReorder is { } held)
            {
                _heldForReorder = null;
                Enqueue(held);
            }
        }
    }

    /// <summary>Holds one delivery back until the next one to this session has gone (the perturb hook's Reorder).</summary>
    public void HoldForReorder(Delivery delivery)
    {
        lock (this)
        {
            if (_heldForReorder is { } previous) Enqueue(previous);
            _heldForReorder = delivery;
        }
    }

    public void Acknowledge(ushort packetId)
    {
        lock (this)
        {
            if (!_inflight.Remove(packetId, out var entry)) return;
            _inflightBytes -= entry.Delivery.Message.Size;
            if (IsDurable) entry.Delivery.Message.PublisherAck?.Settle();
            if (Connection is { } connection) SendQueued(connection);
        }
    }

    /// <summary>False when a QoS 2 PUBLISH with this identifier was already received and not yet released (a DUP re-send).</summary>
    public bool BeginInboundQos2(ushort packetId) { lock (this) return _inboundQos2.Add(packetId); }

    public void ReleaseInboundQos2(ushort packetId) { lock (this) _inboundQos2.Remove(packetId); }

    private bool WindowHasRoomFor(Delivery delivery) =>
        _inflight.Count < _limits.MaxInflightMessages &&
        (_inflight.Count == 0 || _inflightBytes + delivery.Message.Size <= _limits.MaxInflightBytes);

    private void Enqueue(Delivery delivery)
    {
        if (Discarded) return;
        BrokerConnection? connection = Connection;
        if (delivery.Qos == MqttQos.AtMostOnce)
        {
            // QoS 0 is not queued for offline sessions (as Mosquitto by default), and is dropped over the byte budget.
            if (connection is not null && !connection.Sender.TryEnqueue(OutFrame.Publish(delivery, 0, dup: false), droppable: true))
                connection.ReportSlowConsumer();
            return;
        }
        if (connection is not null && _queued.Count == 0 && WindowHasRoomFor(delivery))
        {
            Send(connection, delivery);
            return;
        }
        if (Clean && connection is null) return;
        _queued.Enqueue(delivery);
        _queuedBytes += delivery.Message.Size;
        while (_queued.Count > 0 && (_queued.Count > _limits.MaxQueuedMessages || _queuedBytes > _limits.MaxQueuedBytes))
        {
            Delivery oldest = _queued.Dequeue();
            _queuedBytes -= oldest.Message.Size;
            _dropped++;
            // The durable copy is gone: its publisher gets no PUBACK for it and keeps it (it is sent again on reconnect).
            if (IsDurable) oldest.Message.PublisherAck?.Abandon();
            if (!_droppingReported)
            {
                _droppingReported = true;
                core.Warn($"session '{ClientId}': more than {_limits.MaxQueuedMessages} queued messages or {_limits.MaxQueuedBytes} bytes; " +
                         $"dropping the oldest ({_dropped} dropped so far)");
            }
        }
    }

    private void SendQueued(BrokerConnection connection)
    {
        while (_queued.TryPeek(out Delivery next) && WindowHasRoomFor(next))
        {
            _queued.Dequeue();
            _queuedBytes -= next.Message.Size;
            Send(connection, next);
        }
        // Report the next overflow only once this one has drained, so a sustained overload logs once, not per message.
        if (_queued.Count == 0) _droppingReported = false;
    }

    private void Send(BrokerConnection connection, Delivery delivery)
    {
        ushort id = NextPacketId();
        _inflight[id] = (delivery, _sequence++);
        _inflightBytes += delivery.Message.Size;
        connection.Sender.TryEnqueue(OutFrame.Publish(delivery, id, dup: false), droppable: false);
    }

    private ushort NextPacketId()
    {
        // The in-flight window is far below 65535, so a free identifier is always found.
        do
        {
            _lastPacketId = (ushort)(_lastPacketId == ushort.MaxValue ? 1 : _lastPacketId + 1);
        } while (_inflight.ContainsKey(_lastPacketId));
        return _lastPacketId;
    }
}
