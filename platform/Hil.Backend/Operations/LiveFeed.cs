using System.Threading.Channels;

namespace Hil.Backend.Operations;

public sealed record LiveEvent(string Type, string NodeId, object Data);

/// <summary>
/// Fan-out of telemetry and node events to live subscribers (server-sent events). Each subscriber has a
/// bounded queue that drops its oldest events, so a slow browser never slows ingest down.
/// </summary>
public sealed class LiveFeed
{
    private readonly Lock _lock = new();
    private readonly List<Channel<LiveEvent>> _subscribers = [];

    public int SubscriberCount { get { lock (_lock) return _subscribers.Count; } }

    /// <summary>Lets a publisher skip building events nobody would receive (read without the lock: a subscriber that
    /// arrives meanwhile gets the events from the next call on, as it would a moment later anyway).</summary>
    public bool HasSubscribers => Volatile.Read(ref _subscriberCount) > 0;
    private int _subscriberCount;

    public void Publish(LiveEvent item)
    {
        lock (_lock)
        {
            foreach (var subscriber in _subscribers) subscriber.Writer.TryWrite(item);
        }
    }

    public async IAsyncEnumerable<LiveEvent> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_lock)
        {
            _subscribers.Add(channel);
            Volatile.Write(ref _subscriberCount, _subscribers.Count);
        }
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken)) yield return item;
        }
        finally
        {
            lock (_lock)
            {
                _subscribers.Remove(channel);
                Volatile.Write(ref _subscriberCount, _subscribers.Count);
            }
        }
    }
}
