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
/// </summary>
public sealed class IngestPipeline : BackgroundService
{
    private const int QueueCapacity = 100_000;
    private readonly Channel<Work>[] _queues;
    private readonly IBackendStore _store;
    private readonly BackendMetrics _metrics;
    private readonly LiveFeed _live;
    private readonly TimeProvider _time;
    private readonly ILogger<IngestPipeline> _log;
    private readonly int _maxBatch;

    public IngestPipeline(IBackendStore store, BackendMetrics metrics, LiveFeed live, BackendOptions options, ILogger<IngestPipeline> log)
    {
        (_store, _metrics, _live, _time, _log, _maxBatch) = (store, metrics, live, options.Time, log, options.MaxBatch);
        int writers = options.IngestWriters ?? (store.Kind == "postgres" ? 2 : 1);
        if (writers < 1) throw new ArgumentOutOfRangeException(nameof(options), "IngestWriters must be at least 1");
        _queues = Enumerable.Range(0, writers).Select(_ => Channel.CreateBounded<Work>(new BoundedChannelOptions(QueueCapacity / writers)
        {
            SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
        })).ToArray();
    }

    private ChannelWriter<Work> QueueOf(string? nodeId) =>
        _queues[nodeId is null ? 0 : (int)((uint)string.GetHashCode(nodeId, StringComparison.Ordinal) % (uint)_queues.Length)].Writer;

    /// <summary>Parses and stores one payload, returning once it is committed (HTTP: the caller waits for 202).</summary>
    public async Task<IngestOutcome> SubmitAsync(ReadOnlyMemory<byte> payload, string transport, string? expectedNode, CancellationToken cancellationToken)
    {
        var parsed = TelemetryParser.Parse(payload.Span);
        if (!parsed.IsValid) return new IngestOutcome(IngestStatus.Rejected, parsed.Rejection);
        if (expectedNode is not null && parsed.Message!.NodeId != expectedNode)
            return new IngestOutcome(IngestStatus.Forbidden, $"this API key belongs to node '{expectedNode}', not '{parsed.Message.NodeId}' (the payload's node_id)");
        var work = new Work(new IngestedTelemetry(parsed.Message!, _time.GetUtcNow(), transport), null,
            new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        await QueueOf(work.Telemetry!.Message.NodeId).WriteAsync(work, cancellationToken);
        bool stored = await work.Done!.Task.WaitAsync(cancellationToken);
        return new IngestOutcome(stored ? IngestStatus.Stored : IngestStatus.Duplicate);
    }

    /// <summary>
    /// Queues one payload from the broker without waiting for the commit; a refused payload becomes a
    /// dead letter with its raw bytes and the reason.
    /// </summary>
    public async Task<IngestOutcome> EnqueueAsync(ReadOnlyMemory<byte> payload, string transport, string topic, string? expectedNode, CancellationToken cancellationToken)
    {
        var parsed = Validate(payload.Span, expectedNode);
        var now = _time.GetUtcNow();
        var work = parsed.IsValid
            ? new Work(new IngestedTelemetry(parsed.Message!, now, transport), null, null)
            : new Work(null, new DeadLetter(now, transport, topic, parsed.Rejection!, payload.ToArray()), null);
        await QueueOf(work.Telemetry?.Message.NodeId).WriteAsync(work, cancellationToken);
        return parsed.IsValid ? new IngestOutcome(IngestStatus.Stored) : new IngestOutcome(IngestStatus.Rejected, parsed.Rejection);
    }

    /// <summary>Queues a dead letter for a payload refused before parsing (a bad topic, an unknown ack).</summary>
    public ValueTask DeadLetterAsync(string transport, string? topic, string reason, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        QueueOf(null).WriteAsync(new Work(null, new DeadLetter(_time.GetUtcNow(), transport, topic, reason, payload.ToArray()), null), cancellationToken);

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
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: callers still waiting are cancelled with their requests.
        }
    }

    /// <summary>
    /// Writes a batch. While the database is unavailable, HTTP callers get the error at once (503: they retry) and
    /// broker messages are retried with backoff until it is back: they were acknowledged to the broker, so this
    /// process is their only copy. Memory stays bounded because this writer's queue fills meanwhile and then
    /// blocks the MQTT receive loop, which stops acknowledging, so further messages wait in the broker's session.
    /// </summary>
    private async Task WriteAsync(List<Work> batch, CancellationToken cancellationToken)
    {
        var delay = RetryFirstDelay;
        while (true)
        {
            try
            {
                await WriteOnceAsync(batch, cancellationToken);
                return;
            }
            catch (StoreUnavailableException e)
            {
                foreach (var w in batch) w.Done?.TrySetException(e);
                batch.RemoveAll(w => w.Done is not null);
                if (batch.Count == 0) return;
                _metrics.CountWriteRetries(batch.Count);
                _log.LogWarning("Database unavailable; {Count} broker messages held, retrying in {Delay} ms: {Error}",
                    batch.Count, (int)delay.TotalMilliseconds, e.Message);
                await Task.Delay(delay, _time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, RetryMaxDelay.Ticks));
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A defect, not an outage: retrying would repeat it. Counted and logged, never silent.
                int unattended = batch.Count(w => w.Done is null);
                _metrics.CountWriteFailures(unattended);
                if (unattended > 0) _log.LogError(e, "Ingest batch of {Count} broker messages could not be written", unattended);
                foreach (var w in batch) w.Done?.TrySetException(e);
                return;
            }
        }
    }

    private static readonly TimeSpan RetryFirstDelay = TimeSpan.FromMilliseconds(100), RetryMaxDelay = TimeSpan.FromSeconds(5);

    private async Task WriteOnceAsync(List<Work> batch, CancellationToken cancellationToken)
    {
        var telemetry = batch.Where(w => w.Telemetry is not null).ToList();
        var dead = batch.Where(w => w.DeadLetter is not null).Select(w => w.DeadLetter!).ToList();
        if (dead.Count > 0)
        {
            await _store.WriteDeadLettersAsync(dead, cancellationToken);
            _metrics.CountDeadLetters(dead.Count);
            foreach (var d in dead) _live.Publish(new LiveEvent("dead-letter", "", new { d.Transport, d.Topic, d.Reason }));
            // Written: a retry of this batch (telemetry failing next) must not write them twice.
            batch.RemoveAll(w => w.DeadLetter is not null);
        }
        if (telemetry.Count == 0) return;
        bool[] stored = await _store.WriteTelemetryAsync(telemetry.Select(w => w.Telemetry!).ToList(), cancellationToken);
        var committed = _time.GetUtcNow();
        for (int i = 0; i < telemetry.Count; i++)
        {
            var item = telemetry[i].Telemetry!;
            _metrics.ObserveLatency(committed - item.ReceivedAt);
            if (stored[i]) _live.Publish(new LiveEvent("telemetry", item.Message.NodeId, item.Message));
            telemetry[i].Done?.TrySetResult(stored[i]);
        }
        foreach (var group in telemetry.Select((w, i) => (w, i)).Where(x => stored[x.i]).GroupBy(x => x.w.Telemetry!.Transport))
            _metrics.CountStored(group.Key, group.Count());
        _metrics.CountDuplicates(stored.Count(s => !s));
    }

    private sealed record Work(IngestedTelemetry? Telemetry, DeadLetter? DeadLetter, TaskCompletionSource<bool>? Done);
}
