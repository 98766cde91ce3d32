using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>
/// Every subscription of every session, as a trie over topic levels with the '+' and '#'
/// branches kept apart, so matching a topic costs its depth, not the number of subscriptions.
/// Many publishers match at once under the read lock; subscribe and unsubscribe take the write lock.
/// </summary>
internal sealed class SubscriptionTree
{
    private readonly Node _root = new();
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    public void Add(string filter, BrokerSession session, MqttQos qos)
    {
        _lock.EnterWriteLock();
        try
        {
            Node node = _root;
            foreach (string level in filter.Split('/')) node = node.GetOrAddChild(level);
            (node.Subscribers ??= [])[session] = qos;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Remove(string filter, BrokerSession session)
    {
        _lock.EnterWriteLock();
        try
        {
            Remove(_root, filter.Split('/'), 0, session);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Adds every (session, subscription QoS) whose filter matches <paramref name="topic"/>; a session may appear more than once.</summary>
    public void Match(string topic, List<(BrokerSession Session, MqttQos Qos)> into)
    {
        _lock.EnterReadLock();
        try
        {
            // Topics starting with '$' are not matched by filters starting with a wildcard (MQTT 4.7.2).
            Walk(_root, topic, 0, wildcardsAllowed: !topic.StartsWith('$'), into);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <param name="start">Where the next topic level starts, or -1 when every level is consumed.</param>
    private static void Walk(Node node, string topic, int start, bool wildcardsAllowed, List<(BrokerSession, MqttQos)> into)
    {
        if (start < 0)
        {
            AddAll(node.Subscribers, into);
            // "a/#" also matches "a" itself.
            AddAll(node.Hash?.Subscribers, into);
            return;
        }
        if (wildcardsAllowed) AddAll(node.Hash?.Subscribers, into);
        int end = topic.IndexOf('/', start);
        if (end < 0) end = topic.Length;
        int next = end < topic.Length ? end + 1 : -1;
        if (node.Children is { } children &&
            children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(topic.AsSpan(start, end - start), out Node? child))
        {
            Walk(child, topic, next, true, into);
        }
        if (wildcardsAllowed && node.Plus is { } plus) Walk(plus, topic, next, true, into);
    }

    private static void AddAll(Dictionary<BrokerSession, MqttQos>? subscribers, List<(BrokerSession, MqttQos)> into)
    {
        if (subscribers is null) return;
        foreach (KeyValuePair<BrokerSession, MqttQos> pair in subscribers) into.Add((pair.Key, pair.Value));
    }

    /// <summary>Removes the subscription and prunes branches left empty, so churn of random filters does not leak nodes.</summary>
    private static bool Remove(Node node, string[] levels, int index, BrokerSession session)
    {
        if (index == levels.Length)
        {
            node.Subscribers?.Remove(session);
            if (node.Subscribers is { Count: 0 }) node.Subscribers = null;
        }
        else if (node.GetChild(levels[index]) is { } child && Remove(child, levels, index + 1, session))
        {
            node.RemoveChild(levels[index]);
        }
        return node.IsEmpty;
    }

    private sealed class Node
    {
        public Dictionary<string, Node>? Children;
        public Node? Plus;
        public Node? Hash;
        public Dictionary<BrokerSession, MqttQos>? Subscribers;

        public bool IsEmpty => Subscribers is null && Plus is null && Hash is null && Children is null;

        public Node? GetChild(string level) => level switch
        {
            "+" => Plus,
            "#" => Hash,
            _ => Children?.GetValueOrDefault(level),
        };

        public Node GetOrAddChild(string level)
        {
            switch (level)
            {
                case "+": return Plus ??= new Node();
                case "#": return Hash ??= new Node();
            }
            Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            if (!Children.TryGetValue(level, out Node? child)) Children[level] = child = new Node();
            return child;
        }

        public void RemoveChild(string level)
        {
            switch (level)
            {
                case "+": Plus = null; break;
                case "#": Hash = null; break;
                default:
                    Children?.Remove(level);
                    if (Children is { Count: 0 }) Children = null;
                    break;
            }
        }
    }
}
