using System.Collections.Concurrent;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>
/// Fans a published message out to the matching sessions (once per session, at the highest
/// matching QoS, capped at the message's), keeps retained messages, and applies the harness
/// hooks: observe on receipt, perturb per delivery (drop, duplicate, reorder, delay through
/// <see cref="TimeProvider"/> timers).
/// </summary>
internal sealed class MessageRouter(BrokerCore core)
{
    [ThreadStatic] private static List<(BrokerSession Session, MqttQos Qos)>? s_matches;
    private readonly ConcurrentDictionary<string, BrokerMessage> _retained = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<DelayedDelivery, byte> _delayed = new();

    public int RetainedCount => _retained.Count;

    public void Route(BrokerMessage message)
    {
        if (message.Retain)
        {
            // An empty retained payload deletes the topic's retained message (MQTT 3.3.1.3).
            if (message.Payload.IsEmpty) _retained.TryRemove(message.Topic, out _);
            else _retained[message.Topic] = message;
        }
        if (core.Observe is { } observe)
            Notify(observe, new BrokerMessageEvent(message.SenderClientId, message.Topic, message.Payload, message.Qos, message.Retain, message.ReceivedAt));

        // Taken from the thread's cache and put back after, so a hook that publishes re-entrantly gets its own list.
        List<(BrokerSession Session, MqttQos Qos)> matches = s_matches ?? new List<(BrokerSession, MqttQos)>(16);
        s_matches = null;
        try
        {
            core.Subscriptions.Match(message.Topic, matches);
            if (matches.Count > 1) MergeOverlapping(matches);
            MqttQos ceiling = message.Qos > MqttQos.AtLeastOnce ? MqttQos.AtLeastOnce : message.Qos;
            foreach ((BrokerSession session, MqttQos qos) in matches)
                DeliverTo(session, new Delivery(message, qos < ceiling ? qos : ceiling, Retain: false));
        }
        finally
        {
            matches.Clear();
            s_matches = matches;
        }
    }

    /// <summary>Sends the retained messages matching a new subscription, with their retain flag set.</summary>
    public void SendRetained(BrokerSession session, string filter, MqttQos granted)
    {
        if (_retained.IsEmpty) return;
        foreach (BrokerMessage message in _retained.Values)
        {
            if (!MqttTopic.Matches(filter, message.Topic)) continue;
            MqttQos qos = message.Qos < granted ? message.Qos : granted;
            DeliverTo(session, new Delivery(message, qos, Retain: true));
        }
    }

    /// <summary>The observe hook's per-delivery event, raised when the PUBLISH is handed to the socket.</summary>
    public void NotifyDelivered(string receiverClientId, in Delivery delivery)
    {
        if (core.Observe is not { } observe) return;
        BrokerMessage m = delivery.Message;
        Notify(observe, new BrokerMessageEvent(m.SenderClientId, m.Topic, m.Payload, delivery.Qos, delivery.Retain, m.ReceivedAt,
            receiverClientId, core.Time.GetUtcNow()));
    }

    public void CancelDelayed()
    {
        foreach (DelayedDelivery delayed in _delayed.Keys)
        {
            _delayed.TryRemove(delayed, out _);
            delayed.Dispose();
        }
    }

    private static void MergeOverlapping(List<(BrokerSession Session, MqttQos Qos)> matches)
    {
        // Overlapping subscriptions of one session deliver the message once, at the highest QoS (MQTT 3.3.5).
        var best = new Dictionary<BrokerSession, MqttQos>(matches.Count);
        foreach ((BrokerSession session, MqttQos qos) in matches)
            if (!best.TryGetValue(session, out MqttQos seen) || qos > seen) best[session] = qos;
        if (best.Count == matches.Count) return;
        matches.Clear();
        foreach (KeyValuePair<BrokerSession, MqttQos> pair in best) matches.Add((pair.Key, pair.Value));
    }

    private void DeliverTo(BrokerSession session, Delivery delivery)
    {
        // The durable subscriber's QoS 1 copy is what the publisher's PUBACK waits for.
        bool durableCopy = delivery.Message.PublisherAck is not null && delivery.Qos == MqttQos.AtLeastOnce &&
                           session.ClientId == core.Options.DurableSubscriber;
        if (durableCopy) delivery.Message.PublisherAck!.Expected = true;
        if (core.Perturb is not { } perturb)
        {
            session.Deliver(delivery);
            return;
        }
        DeliveryAction action;
        try
        {
            BrokerMessage m = delivery.Message;
            action = perturb(new PendingDelivery(m.SenderClientId, session.ClientId, m.Topic, m.Payload, delivery.Qos));
        }
        catch (Exception e)
        {
            core.Warn($"the perturb hook threw {e.GetType().Name}: {e.Message}; delivering unchanged");
            action = DeliveryAction.Deliver;
        }
        switch (action)
        {
            case DeliveryAction.DropAction:
                // A fault the harness injects on purpose: the broker lost a message it had acknowledged.
                if (durableCopy) delivery.Message.PublisherAck!.Settle();
                break;
            case DeliveryAction.DuplicateAction:
                session.Deliver(delivery);
                session.Deliver(delivery);
                break;
            case DeliveryAction.ReorderAction:
                session.HoldForReorder(delivery);
                break;
            case DeliveryAction.DelayAction { By: var by } when by > TimeSpan.Zero:
                var delayed = new DelayedDelivery(session, delivery, d => _delayed.TryRemove(d, out _));
                _delayed[delayed] = 0;
                delayed.Start(core.Time, by);
                break;
            default:
                session.Deliver(delivery);
                break;
        }
    }

    private void Notify(Action<BrokerMessageEvent> observe, BrokerMessageEvent e)
    {
        try
        {
            observe(e);
        }
        catch (Exception ex)
        {
            core.Warn($"the observe hook threw {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>A delivery waiting on a timer; the set of them keeps the timers referenced until they fire.</summary>
    private sealed class DelayedDelivery(BrokerSession session, Delivery delivery, Action<DelayedDelivery> fired) : IDisposable
    {
        private ITimer? _timer;
        private int _done;

        public void Start(TimeProvider time, TimeSpan by)
        {
            ITimer timer = time.CreateTimer(_ => Fire(), null, by, Timeout.InfiniteTimeSpan);
            Interlocked.Exchange(ref _timer, timer);
            if (Volatile.Read(ref _done) == 1) timer.Dispose();
        }

        public void Dispose()
        {
            Interlocked.Exchange(ref _done, 1);
            Interlocked.Exchange(ref _timer, null)?.Dispose();
        }

        private void Fire()
        {
            if (Interlocked.Exchange(ref _done, 1) == 1) return;
            fired(this);
            session.Deliver(delivery);
            Interlocked.Exchange(ref _timer, null)?.Dispose();
        }
    }
}
