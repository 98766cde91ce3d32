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
    private readonly Dictionary<string, long> _byTransport = new();

    public long Stored => Interlocked.Read(ref _stored);
    public long DeadLetters => Interlocked.Read(ref _deadLetters);
    public long WriteRetries => Interlocked.Read(ref _writeRetries);
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

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

    public void ObserveLatency(TimeSpan latency)
    {
        double seconds = latency.TotalSeconds;
        int bucket = Array.FindIndex(LatencyBounds, b => seconds <= b);
        lock (_latencyLock)
        {
            _latencyBuckets[bucket < 0 ? LatencyBounds.Length : bucket]++;
            _latencyCount++;
            _latencySum += seconds;
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
