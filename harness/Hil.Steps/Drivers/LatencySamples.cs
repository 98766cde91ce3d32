using System.Globalization;
using System.Text;
using Hil.Backend.Storage;
using Hil.Mqtt.Broker;
using Hil.Steps.Steps;

namespace Hil.Steps.Drivers;

/// <summary>
/// One reading's journey, each hop as milliseconds after its stimulus went in: the node's publish reached the
/// modem, the broker received it, the broker delivered it to the backend, the backend stored it.
/// </summary>
public sealed record LatencySample(int Index, DateTimeOffset InjectedAt, double Published, double BrokerReceived, double Delivered, double Stored);

/// <summary>Percentiles and the report attachment of a set of latency samples (the "latency:" attachments the HTML report draws).</summary>
public static class LatencySamples
{
    public const string AttachmentPrefix = "latency: ";
    public static readonly string[] Hops = ["published", "broker received", "delivered to backend", "stored"];

    /// <summary>Pairs every injected stimulus with the node's publish, the broker's observations and the stored row.</summary>
    public static IReadOnlyList<LatencySample> Collect(IReadOnlyList<StimulusInjection> injected, ScenarioPlatform platform, IReadOnlyList<TelemetryRecord> rows)
    {
        BrokerMessageEvent[] traffic = platform.Traffic.ToArray();
        var samples = new List<LatencySample>();
        foreach (StimulusInjection injection in injected)
        {
            FleetNode node = injection.Node;
            var publishes = node.Modem.Publishes.Where(p => p.Topic == node.TelemetryTopic).ToArray();
            if (injection.ReadingIndex >= publishes.Length) throw new ExpectationFailedException($"Reading {injection.ReadingIndex} of '{node.Name}' was never published.\n{node.Evidence(10)}");
            var publish = publishes[injection.ReadingIndex];
            TelemetryReading reading = TelemetryReading.Parse(publish);
            BrokerMessageEvent? received = traffic.FirstOrDefault(m => m.ReceiverClientId is null && m.Topic == publish.Topic && m.Payload.Span.SequenceEqual(publish.Payload));
            BrokerMessageEvent? delivered = traffic.FirstOrDefault(m => m.ReceiverClientId == "hil-backend" && m.Topic == publish.Topic && m.Payload.Span.SequenceEqual(publish.Payload));
            TelemetryRecord? row = rows.FirstOrDefault(r => r.Boot == reading.Boot && r.Seq == reading.Sequence);
            if (received is null || delivered?.DeliveredAt is null || row is null)
                throw new ExpectationFailedException($"Reading {reading} of '{node.Name}' did not make every hop: broker {(received is null ? "never received it" : "received it")}, " +
                                                     $"{(delivered is null ? "never delivered it to the backend" : "delivered it")}, {(row is null ? "not stored" : "stored")}.\n{platform.Evidence(node.NodeId)}");
            double Ms(DateTimeOffset at) => (at - injection.At).TotalMilliseconds;
            samples.Add(new LatencySample(samples.Count, injection.At, Ms(publish.At), Ms(received.ReceivedAt), Ms(delivered.DeliveredAt.Value), Ms(row.ReceivedAt)));
        }
        return samples;
    }

    /// <summary>The nearest-rank percentile (p in 0..100) of <paramref name="values"/>.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        double[] sorted = values.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("no samples", nameof(values));
        int rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static string Summary(IReadOnlyList<double> values) => string.Create(CultureInfo.InvariantCulture,
        $"n={values.Count} p50={Percentile(values, 50):0.0} ms p95={Percentile(values, 95):0.0} ms p99={Percentile(values, 99):0.0} ms max={values.Max():0.0} ms");

    /// <summary>A CSV the HTML report turns into a histogram and a time series: one line per sample, cumulative ms per hop.</summary>
    public static string ToCsv(IReadOnlyList<LatencySample> samples)
    {
        var csv = new StringBuilder("sample,injected_at," + string.Join(",", Hops.Select(h => h.Replace(' ', '_') + "_ms")) + "\n");
        foreach (LatencySample s in samples)
            csv.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{s.Index},{s.InjectedAt:O},{s.Published:0.###},{s.BrokerReceived:0.###},{s.Delivered:0.###},{s.Stored:0.###}"));
        return csv.ToString();
    }

    /// <summary>Command round trips (created → acknowledged) as the same CSV shape with one hop.</summary>
    public static string ToCsv(IReadOnlyList<CommandRecord> commands) =>
        "sample,injected_at,acknowledged_ms\n" + string.Concat(commands.Select((c, i) => string.Create(CultureInfo.InvariantCulture,
            $"{i},{c.CreatedAt:O},{OperatorCommands.RoundTrip(c).TotalMilliseconds:0.###}\n")));
}
