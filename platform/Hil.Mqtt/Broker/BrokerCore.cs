using System.Collections.Concurrent;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>
/// The broker's state that outlives the listener (sessions, subscriptions, retained messages) and
/// the session rules of CONNECT: takeover, clean versus persistent, and ending a session.
/// Lock order: the sessions lock, then a session's own lock; routing takes only the latter.
/// </summary>
internal sealed class BrokerCore
{
    private readonly Lock _sessionsLock = new();
    private readonly ConcurrentDictionary<string, BrokerSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BrokerConnection> _connected = new(StringComparer.Ordinal);

    public BrokerCore(MqttBrokerOptions options)
    {
        Options = options;
        Router = new MessageRouter(this);
    }

    public MqttBrokerOptions Options { get; }
    public TimeProvider Time => Options.TimeProvider;
    public SubscriptionTree Subscriptions { get; } = new();
    public MessageRouter Router { get; }

    public Action<BrokerMessageEvent>? Observe { get; set; }
    public Func<PendingDelivery, DeliveryAction>? Perturb { get; set; }

    public IReadOnlyCollection<string> ConnectedClientIds => [.. _connected.Keys];

    public BrokerConnection? FindConnection(string clientId) => _connected.GetValueOrDefault(clientId);

    public BrokerSession? FindSession(string clientId) => _sessions.GetValueOrDefault(clientId);

    public void Log(string line)
    {
        try
        {
            Options.Log?.Invoke(line);
        }
        catch (Exception e)
        {
            // A failing log sink must not take a connection (or the broker) down with it.
            Console.Error.WriteLine($"mqtt broker: the log sink threw {e.GetType().Name}: {e.Message}; line was: {line}");
        }
    }

    /// <summary>
    /// What an operator must see (a session dropping messages over its bounds, a slow consumer losing QoS 0, a failing hook,
    /// an accept that failed): to the log and to <see cref="MqttBrokerOptions.Warn"/>.
    /// </summary>
    public void Warn(string line)
    {
        Log(line);
        try
        {
            Options.Warn?.Invoke(line);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"mqtt broker: the warning sink threw {e.GetType().Name}: {e.Message}; line was: {line}");
        }
    }

    /// <summary>Reports a refusal to the log and the <see cref="MqttBrokerOptions.Refused"/> hook; a failing hook is logged, never thrown.</summary>
    public void Refuse(BrokerRefusal refusal)
    {
        Log($"refused {refusal.Kind.ToString().ToLowerInvariant()} from {refusal.RemoteEndPoint} client '{refusal.ClientId}' " +
            $"user '{refusal.Username ?? "(none)"}': {refusal.Reason}");
        try
        {
            Options.Refused?.Invoke(refusal);
        }
        catch (Exception e)
        {
            Log($"the refusal hook threw {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Binds <paramref name="connection"/> to the session of its client id, taking over (closing,
    /// without its will) any connection already using that id, and queues CONNACK. A client id belongs to the
    /// identity (user name) that created its session: a connection of another identity is refused (the reason is
    /// returned, no session is touched) and can neither resume that session nor take over its connection.
    /// </summary>
    public (BrokerSession? Session, string? Refusal) OpenSession(BrokerConnection connection, string clientId, bool cleanSession,
        string? owner, BrokerClientLimits limits)
    {
        BrokerConnection? previous;
        BrokerSession session;
        lock (_sessionsLock)
        {
            _sessions.TryGetValue(clientId, out BrokerSession? existing);
            if (existing is not null && !string.Equals(existing.Owner, owner, StringComparison.Ordinal))
                return (null, $"client id '{clientId}' belongs to another identity's session");
            previous = existing?.Connection;
            if (previous is not null) existing!.Detach(previous);
            bool resume = existing is not null && !cleanSession && !existing.Clean;
            if (resume)
            {
                session = existing!;
            }
            else
            {
                if (existing is not null) RemoveSubscriptions(existing, existing.Discard());
                session = new BrokerSession(clientId, cleanSession, owner, this);
                _sessions[clientId] = session;
            }
            _connected[clientId] = connection;
            session.Attach(connection, MqttCodec.Encode(new ConnAckPacket(resume, ConnectReturnCode.Accepted)), limits);
        }
        previous?.Close($"taken over by a new connection with the same client id from {connection.RemoteEndPoint}", publishWill: false);
        return (session, null);
    }

    /// <summary>Unbinds a closing connection; a clean session ends with it.</summary>
    public void CloseSession(BrokerConnection connection, BrokerSession session)
    {
        lock (_sessionsLock)
        {
            if (!session.Detach(connection)) return;
            _connected.TryRemove(new KeyValuePair<string, BrokerConnection>(session.ClientId, connection));
            if (!session.Clean) return;
            _sessions.TryRemove(new KeyValuePair<string, BrokerSession>(session.ClientId, session));
            RemoveSubscriptions(session, session.Discard());
        }
    }

    public void Subscribe(BrokerSession session, string filter, MqttQos qos)
    {
        lock (_sessionsLock)
        {
            // A session discarded meanwhile (taken over by a clean connect) must not leave entries behind.
            if (session.Discarded) return;
            session.Subscribe(filter, qos);
            Subscriptions.Add(filter, session, qos);
        }
    }

    public void Unsubscribe(BrokerSession session, string filter)
    {
        lock (_sessionsLock)
        {
            if (session.Unsubscribe(filter)) Subscriptions.Remove(filter, session);
        }
    }

    private void RemoveSubscriptions(BrokerSession session, string[] filters)
    {
        foreach (string filter in filters) Subscriptions.Remove(filter, session);
    }
}
