using System.Globalization;
using System.Text;

namespace Hil.Backend.Operations;

/// <summary>Counters and the ingest latency histogram, rendered in the Prometheus text format (no exporter package here).</summary>
public sealed class BackendMetrics
{
    private static readonly double[] LatencyBounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
    private readonly long[] _latencyBuckets = new long[LatencyBounds.Length + 1];
    private long _latencyCount;
    private double _latencySum;
    private readonly Lock _latencyLock = new();

    private long _stored, _duplicates, _deadLetters, _httpRejected, _writeFailures, _writeRetries;
    private long _queueFull, _batches, _batchRows, _writeTicks, _held;
    private Func<(long Depth, long Capacity)>? _queue;
    private readonly Dictionary<string, long> _byTransport = new();

    public long Stored => Interlocked.Read(ref _stored);
    public long DeadLetters => Interlocked.Read(ref _deadLetters);
    public long WriteRetries => Interlocked.Read(ref _writeRetries);
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>Times a sender had to wait because its writer's queue was full (back-pressure on the broker link or HTTP).</summary>
    public long QueueFull => Interlocked.Read(ref _queueFull);
    /// <summary>Broker messages waiting, unacknowledged, for a database that is unavailable.</summary>
    public long Held => Interlocked.Read(ref _held);
    public long Batches => Interlocked.Read(ref _batches);
    public long BatchRows => Interlocked.Read(ref _batchRows);
    /// <summary>Time spent in the database's batch writes (summed over the writers).</summary>
    public TimeSpan WriteTime => TimeSpan.FromTicks(Interlocked.Read(ref _writeTicks));
    public (long Depth, long Capacity) Queue => _queue?.Invoke() ?? (0, 0);

    /// <summary>The pipeline's queues, read when the metrics are rendered.</summary>
    public void ObserveQueue(Func<(long Depth, long Capacity)> queue) => _queue = queue;
    public void CountQueueFull() => Interlocked.Increment(ref _queueFull);
    public void AddHeld(long count) => Interlocked.Add(ref _held, count);

    public void ObserveBatch(int rows, TimeSpan took)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _batchRows, rows);
        Interlocked.Add(ref _writeTicks, took.Ticks);
    }

    public void CountStored(string transport, int count)
    {
        Interlocked.Add(ref _stored, count);
        lock (_byTransport) _byTransport[transport] = _byTransport.GetValueOrDefault(transport) + count;
    }

    public void CountDuplicates(int count) => Interlocked.Add(ref _duplicates, count);
    public void CountDeadLetters(int count) => Interlocked.Add(ref _deadLetters, count);
    public void CountHttpRejected() => Interlocked.Increment(ref _httpRejected);
    public void CountWriteFailures(int count) => Interlocked.Add(ref _writeFailures, count);
    public void CountWriteRetries(int count) => Interlocked.Add(ref _writeRetries, count);

    /// <summary>A batch's latencies under one lock (they are observed per committed batch, for every row).</summary>
    public void ObserveLatencies(ReadOnlySpan<TimeSpan> latencies)
    {
        lock (_latencyLock)
        {
            foreach (var latency in latencies)
            {
                double seconds = latency.TotalSeconds;
                int bucket = 0;
                while (bucket < LatencyBounds.Length && seconds > LatencyBounds[bucket]) bucket++;
                _latencyBuckets[bucket]++;
                _latencyCount++;
                _latencySum += seconds;
            }
        }
    }

    public string Render()
    {
        var text = new StringBuilder();
        void Counter(string name, string help, long value, string labels = "")
        {
            text.Append("# HELP ").Append(name).Append(' ').AppendLine(help);
            text.Append("# TYPE ").Append(name).AppendLine(" counter");
            text.Append(name).Append(labels).Append(' ').AppendLine(value.ToString(CultureInfo.InvariantCulture));
        }
        Counter("hil_ingest_duplicates_total", "Redelivered v2/v3 messages stored once and not again.", Interlocked.Read(ref _duplicates));
        Counter("hil_dead_letters_total", "Payloads refused over MQTT and kept in the dead-letter table.", DeadLetters);
        Counter("hil_http_rejected_total", "Telemetry posts refused with 422.", Interlocked.Read(ref _httpRejected));
        Counter("hil_ingest_write_failures_total", "Broker messages that could not be written (a defect, not an outage).", Interlocked.Read(ref _writeFailures));
        Counter("hil_ingest_write_retries_total", "Broker messages held and retried while the database was unavailable.", Interlocked.Read(ref _writeRetries));
        Counter("hil_ingest_queue_full_total", "Times a sender waited because the ingest queue was full (back-pressure).", QueueFull);
        Counter("hil_ingest_batches_total", "Batches written to the database.", Batches);
        Counter("hil_ingest_batch_rows_total", "Messages in those batches (rows/batches = mean batch size).", BatchRows);
        text.AppendLine("# HELP hil_ingest_write_seconds_total Time spent writing batches.").AppendLine("# TYPE hil_ingest_write_seconds_total counter")
            .Append("hil_ingest_write_seconds_total ").AppendLine(WriteTime.TotalSeconds.ToString("R", CultureInfo.InvariantCulture));
        var (depth, capacity) = Queue;
        void Gauge(string name, string help, long value)
        {
            text.Append("# HELP ").Append(name).Append(' ').AppendLine(help);
            text.Append("# TYPE ").Append(name).AppendLine(" gauge");
            text.Append(name).Append(' ').AppendLine(value.ToString(CultureInfo.InvariantCulture));
        }
        Gauge("hil_ingest_queue_depth", "Messages queued for the database writers.", depth);
        Gauge("hil_ingest_queue_capacity", "Most messages the writers' queues hold before senders wait.", capacity);
        Gauge("hil_ingest_held", "Broker messages held unacknowledged while the database is unavailable (the broker keeps them).", Held);
        text.AppendLine("# HELP hil_ingest_stored_total Telemetry rows committed.").AppendLine("# TYPE hil_ingest_stored_total counter");
        lock (_byTransport)
        {
            foreach (var (transport, count) in _byTransport.OrderBy(p => p.Key))
                text.Append("hil_ingest_stored_total{transport=\"").Append(transport).Append("\"} ").AppendLine(count.ToString(CultureInfo.InvariantCulture));
        }
        text.AppendLine("# HELP hil_ingest_latency_seconds Arrival to committed row.").AppendLine("# TYPE hil_ingest_latency_seconds histogram");
        lock (_latencyLock)
        {
            long cumulative = 0;
            for (int i = 0; i < LatencyBounds.Length; i++)
            {
                cumulative += _latencyBuckets[i];
                text.Append("hil_ingest_latency_seconds_bucket{le=\"").Append(LatencyBounds[i].ToString(CultureInfo.InvariantCulture))
                    .Append("\"} ").AppendLine(cumulative.ToString(CultureInfo.InvariantCulture));
            }
            text.Append("hil_ingest_latency_seconds_bucket{le=\"+Inf\"} ").AppendLine(_latencyCount.ToString(CultureInfo.InvariantCulture));
            text.Append("hil_ingest_latency_seconds_sum ").AppendLine(_latencySum.ToString("R", CultureInfo.InvariantCulture));
            text.Append("hil_ingest_latency_seconds_count ").AppendLine(_latencyCount.ToString(CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}
