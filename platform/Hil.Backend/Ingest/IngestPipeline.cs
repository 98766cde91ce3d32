using System.Threading.Channels;
using Hil.Backend.Hosting;
using Hil.Backend.Operations;
using Hil.Backend.Protocol;
using Hil.Backend.Storage;

namespace Hil.Backend.Ingest;

/// <summary>Forbidden: a well-formed payload for another node than the sender's key (HTTP 403, not the payload's fault).</summary>
public enum IngestStatus { Stored, Duplicate, Rejected, Forbidden }

public readonly record struct IngestOutcome(IngestStatus Status, string? Reason = null);

/// <summary>
/// The one path every payload takes, whatever the transport: parse → (reject | queue) → batched write.
/// Each writer drains its own queue, so concurrent HTTP posts and MQTT messages share a transaction per batch.
/// With several writers (PostgreSQL) a node always goes to the same one, so its messages stay in order and
/// the writers never touch the same node or (node, boot, seq) rows: one commits while the other copies.
/// A broker message is acknowledged to the broker only once its row (or dead letter) is committed
/// (<see cref="EnqueueAsync"/> hands back that commit), so until then the broker keeps a copy: a backend that
/// stops or crashes with messages queued gets them again on its next connection.
/// </summary>
public sealed class IngestPipeline : BackgroundService
{
    private readonly Channel<Work>[] _queues;
    private readonly IBackendStore _store;
    private readonly BackendMetrics _metrics;
    private readonly LiveFeed _live;
    private readonly TimeProvider _time;
    private readonly ILogger<IngestPipeline> _log;
    private readonly int _maxBatch;
    private readonly int _capacity;
    private int _fullEpisode;

    public IngestPipeline(IBackendStore store, BackendMetrics metrics, LiveFeed live, BackendOptions options, ILogger<IngestPipeline> log)
    {
        (_store, _metrics, _live, _time, _log, _maxBatch) = (store, metrics, live, options.Time, log, options.MaxBatch);
        int writers = options.IngestWriters ?? (store.Kind == "postgres" ? 2 : 1);
        if (writers < 1) throw new ArgumentOutOfRangeException(nameof(options), "IngestWriters must be at least 1");
        if (options.IngestQueueCapacity < writers) throw new ArgumentOutOfRangeException(nameof(options), "IngestQueueCapacity must be at least IngestWriters");
        _capacity = options.IngestQueueCapacity / writers * writers;
        _queues = Enumerable.Range(0, writers).Select(_ => Channel.CreateBounded<Work>(new BoundedChannelOptions(_capacity / writers)
        {
            SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
        })).ToArray();
        metrics.ObserveQueue(() => (Depth, _capacity));
    }

    /// <summary>Messages waiting for a writer.</summary>
    public long Depth => _queues.Sum(q => (long)q.Reader.Count);

    /// <summary>Some writer's queue is full: its senders are being held back.</summary>
    public bool IsSaturated => _queues.Any(q => q.Reader.Count >= _capacity / _queues.Length);

    // Nodes are dealt to the writers in turn as they first appear: even shares whatever the node ids (a hash of a few
    // ids can put them all on one writer, leaving the other idle), and a node keeps its writer for the process's life.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _writerOf = new(StringComparer.Ordinal);
    private int _nextWriter = -1;

    private ChannelWriter<Work> QueueOf(string? nodeId) =>
        _queues[nodeId is null || _queues.Length == 1 ? 0
            : _writerOf.GetOrAdd(nodeId, static (_, pipeline) => (int)((uint)Interlocked.Increment(ref pipeline._nextWriter) % (uint)pipeline._queues.Length), this)].Writer;

    /// <summary>
    /// Queues without waiting while there is room. A full queue holds the sender back (HTTP: the request waits;
    /// MQTT: the link reads no further, the broker keeps the rest), which is counted, logged once per episode and
    /// reported by /ready, never silent.
    /// </summary>
    private async ValueTask QueueAsync(ChannelWriter<Work> queue, Work work, CancellationToken cancellationToken)
    {
        if (queue.TryWrite(work)) return;
        _metrics.CountQueueFull();
        if (Interlocked.Exchange(ref _fullEpisode, 1) == 0)
            _log.LogWarning("Ingest queue full ({Depth} of {Capacity} messages waiting for the database): holding senders back until the writers catch up",
                Depth, _capacity);
        await queue.WriteAsync(work, cancellationToken);
    }

    /// <summary>Parses and stores one payload, returning once it is committed (HTTP: the caller waits for 202).</summary>
    public async Task<IngestOutcome> SubmitAsync(ReadOnlyMemory<byte> payload, string transport, string? expectedNode, CancellationToken cancellationToken)
    {
        var parsed = TelemetryParser.Parse(payload.Span);
        if (!parsed.IsValid) return new IngestOutcome(IngestStatus.Rejected, parsed.Rejection);
        if (expectedNode is not null && parsed.Message!.NodeId != expectedNode)
            return new IngestOutcome(IngestStatus.Forbidden, $"this API key belongs to node '{expectedNode}', not '{parsed.Message.NodeId}' (the payload's node_id)");
        var work = new Work(new IngestedTelemetry(parsed.Message!, _time.GetUtcNow(), transport), null, HoldWhileUnavailable: false);
        await QueueAsync(QueueOf(work.Telemetry!.Message.NodeId), work, cancellationToken);
        bool stored = await work.Done.Task.WaitAsync(cancellationToken);
        return new IngestOutcome(stored ? IngestStatus.Stored : IngestStatus.Duplicate);
    }

    /// <summary>
    /// Queues one payload from the broker; a refused payload becomes a dead letter with its raw bytes and the reason.
    /// Returns once queued, with the task of its commit (true: a new row; false: a duplicate or a dead letter),
    /// which is what the broker's acknowledgement waits for. While the database is unavailable the commit is retried
    /// until it is back, so the task only completes once the message is safe.
    /// </summary>
    public async ValueTask<Task<bool>> EnqueueAsync(ReadOnlyMemory<byte> payload, string transport, string topic, string? expectedNode, CancellationToken cancellationToken)
    {
        var parsed = Validate(payload.Span, expectedNode);
        var now = _time.GetUtcNow();
        var work = parsed.IsValid
            ? new Work(new IngestedTelemetry(parsed.Message!, now, transport), null, HoldWhileUnavailable: true)
            : new Work(null, DeadLetter.Of(now, transport, topic, parsed.Rejection!, payload.Span), HoldWhileUnavailable: true);
        await QueueAsync(QueueOf(work.Telemetry?.Message.NodeId), work, cancellationToken);
        return work.Done.Task;
    }

    /// <summary>Queues a dead letter for a payload refused before parsing (a bad topic, an unknown ack); returns its commit, as <see cref="EnqueueAsync"/>.</summary>
    public async ValueTask<Task<bool>> DeadLetterAsync(string transport, string? topic, string reason, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var work = new Work(null, DeadLetter.Of(_time.GetUtcNow(), transport, topic, reason, payload.Span), HoldWhileUnavailable: true);
        await QueueAsync(QueueOf(null), work, cancellationToken);
        return work.Done.Task;
    }

    private static ParseResult Validate(ReadOnlySpan<byte> payload, string? expectedNode)
    {
        var parsed = TelemetryParser.Parse(payload);
        if (parsed.IsValid && expectedNode is not null && parsed.Message!.NodeId != expectedNode)
            return ParseResult.Reject($"node_id '{parsed.Message.NodeId}' does not match the sender '{expectedNode}'");
        return parsed;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_queues.Select(q => DrainAsync(q.Reader, stoppingToken)));

    private async Task DrainAsync(ChannelReader<Work> queue, CancellationToken stoppingToken)
    {
        var batch = new List<Work>(_maxBatch);
        try
        {
            while (await queue.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < _maxBatch && queue.TryRead(out var work)) batch.Add(work);
                await WriteAsync(batch, stoppingToken);
                if (queue.Count == 0 && Interlocked.Exchange(ref _fullEpisode, 0) == 1)
                    _log.LogInformation("Ingest queue drained: senders no longer held back");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is not committed is cancelled, so the broker is not told it arrived and delivers
            // it again to the next backend; HTTP callers are cancelled with their requests.
            foreach (var w in batch) w.Done.TrySetCanceled(stoppingToken);
            while (queue.TryRead(out var w)) w.Done.TrySetCanceled(stoppingToken);
        }
    }

    /// <summary>
    /// Writes a batch. While the database is unavailable, HTTP callers get the error at once (503: they retry) and
    /// broker messages are retried with backoff until it is back. They are not acknowledged to the broker meanwhile,
    /// so the broker keeps them (and keeps the rest in the backend's session: how many the backend holds is bounded
    /// by the broker's in-flight window), and a backend that stops now loses nothing: the broker delivers them again.
    /// </summary>
    private async Task WriteAsync(List<Work> batch, CancellationToken cancellationToken)
    {
        var delay = RetryFirstDelay;
        long held = 0;
        try
        {
            while (true)
            {
                try
                {
                    await WriteOnceAsync(batch, cancellationToken);
                    return;
                }
                catch (StoreUnavailableException e)
                {
                    foreach (var w in batch.Where(w => !w.HoldWhileUnavailable)) w.Done.TrySetException(e);
                    batch.RemoveAll(w => !w.HoldWhileUnavailable);
                    if (batch.Count == 0) return;
                    _metrics.CountWriteRetries(batch.Count);
                    if (held == 0) _metrics.AddHeld(held = batch.Count);
                    _log.LogWarning("Database unavailable; {Count} broker messages held unacknowledged, retrying in {Delay} ms: {Error}",
                        batch.Count, (int)delay.TotalMilliseconds, e.Message);
                    await Task.Delay(delay, _time, cancellationToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, RetryMaxDelay.Ticks));
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // A defect, not an outage: retrying would repeat it. Counted and logged, never silent.
                    int unattended = batch.Count(w => w.HoldWhileUnavailable);
                    _metrics.CountWriteFailures(unattended);
                    if (unattended > 0) _log.LogError(e, "Ingest batch of {Count} broker messages could not be written", unattended);
                    foreach (var w in batch) w.Done.TrySetException(e);
                    return;
                }
            }
        }
        finally
        {
            _metrics.AddHeld(-held);
        }
    }

    private static readonly TimeSpan RetryFirstDelay = TimeSpan.FromMilliseconds(100), RetryMaxDelay = TimeSpan.FromSeconds(5);

    private async Task WriteOnceAsync(List<Work> batch, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        var telemetry = batch.Where(w => w.Telemetry is not null).ToList();
        var dead = batch.Where(w => w.DeadLetter is not null).ToList();
        if (dead.Count > 0)
        {
            await _store.WriteDeadLettersAsync(dead.Select(w => w.DeadLetter!).ToList(), cancellationToken);
            _metrics.CountDeadLetters(dead.Count);
            foreach (var w in dead)
            {
                _live.Publish(new LiveEvent("dead-letter", "", new { w.DeadLetter!.Transport, w.DeadLetter.Topic, w.DeadLetter.Reason }));
                w.Done.TrySetResult(false);
            }
            // Written: a retry of this batch (telemetry failing next) must not write them twice.
            batch.RemoveAll(w => w.DeadLetter is not null);
        }
        if (telemetry.Count == 0) return;
        bool[] stored = await _store.WriteTelemetryAsync(telemetry.Select(w => w.Telemetry!).ToList(), cancellationToken);
        var committed = _time.GetUtcNow();
        _metrics.ObserveBatch(telemetry.Count, _time.GetElapsedTime(started));
        var latencies = new TimeSpan[telemetry.Count];
        bool live = _live.HasSubscribers;
        for (int i = 0; i < telemetry.Count; i++)
        {
            var item = telemetry[i].Telemetry!;
            latencies[i] = committed - item.ReceivedAt;
            if (stored[i] && live) _live.Publish(new LiveEvent("telemetry", item.Message.NodeId, item.Message));
            telemetry[i].Done.TrySetResult(stored[i]);
        }
        _metrics.ObserveLatencies(latencies);
        foreach (var group in telemetry.Select((w, i) => (w, i)).Where(x => stored[x.i]).GroupBy(x => x.w.Telemetry!.Transport))
            _metrics.CountStored(group.Key, group.Count());
        _metrics.CountDuplicates(stored.Count(s => !s));
    }

    /// <param name="HoldWhileUnavailable">Broker messages: retried while the database is down (HTTP callers get 503 and retry themselves).</param>
    private sealed record Work(IngestedTelemetry? Telemetry, DeadLetter? DeadLetter, bool HoldWhileUnavailable)
    {
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
