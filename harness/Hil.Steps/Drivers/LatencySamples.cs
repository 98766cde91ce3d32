using System.Globalization;
using Hil.Backend.Hosting;
using Hil.Backend.Storage;
using Hil.Gherkin.Bindings;
using Hil.Mqtt.Broker;
using Hil.Simulators.Modem;
using Hil.Steps.Steps;

namespace Hil.Steps.Drivers;

/// <summary>
/// One reading's journey, each hop as milliseconds after its stimulus went in: the node's publish reached the
/// modem, the broker received it, the broker delivered it to the backend, the backend stored it.
/// </summary>
public sealed record LatencySample(int Index, DateTimeOffset InjectedAt, double Published, double BrokerReceived, double Delivered, double Stored);

/// <summary>Latency samples: collected from the stamps, summarised, and the measurements they publish to the report (<see cref="ScenarioContext.Measure"/>).</summary>
public static class LatencySamples
{
    public const string EndToEnd = "sensor sample to stored reading";

    /// <summary>Pairs every injected stimulus with the node's publish, the broker's observations and the stored row.</summary>
    public static IReadOnlyList<LatencySample> Collect(IReadOnlyList<StimulusInjection> injected, ScenarioPlatform platform, IReadOnlyList<TelemetryRecord> rows)
    {
        // Indexed once: a latency scenario pairs hundreds of readings with thousands of broker events.
        var received = new Dictionary<(string Topic, string Payload), BrokerMessageEvent>();
        var delivered = new Dictionary<(string Topic, string Payload), BrokerMessageEvent>();
        foreach (BrokerMessageEvent m in platform.Traffic)
        {
            if (m.ReceiverClientId is null) received.TryAdd((m.Topic, Convert.ToHexString(m.Payload.Span)), m); // the first of each
            else if (m.ReceiverClientId == PlatformHost.BackendClientId) delivered.TryAdd((m.Topic, Convert.ToHexString(m.Payload.Span)), m);
        }
        var stored = new Dictionary<(long? Boot, long? Seq), TelemetryRecord>();
        foreach (TelemetryRecord r in rows) stored.TryAdd((r.Boot, r.Seq), r);
        var publishesOf = new Dictionary<FleetNode, IReadOnlyList<ModemPublish>>();
        var samples = new List<LatencySample>();
        foreach (StimulusInjection injection in injected)
        {
            FleetNode node = injection.Node;
            if (!publishesOf.TryGetValue(node, out IReadOnlyList<ModemPublish>? publishes)) publishesOf[node] = publishes = node.TelemetryPublishes;
            if (injection.ReadingIndex >= publishes.Count) throw new ExpectationFailedException($"Reading {injection.ReadingIndex} of '{node.Name}' was never published.\n{node.Evidence(10)}");
            var publish = publishes[injection.ReadingIndex];
            TelemetryReading reading = TelemetryReading.Parse(publish);
            (string Topic, string Payload) key = (publish.Topic, Convert.ToHexString(publish.Payload));
            BrokerMessageEvent? heard = received.GetValueOrDefault(key), handedOn = delivered.GetValueOrDefault(key);
            TelemetryRecord? row = stored.GetValueOrDefault((reading.Boot, reading.Sequence));
            if (heard is null || handedOn?.DeliveredAt is null || row is null)
                throw new ExpectationFailedException($"Reading {reading} of '{node.Name}' did not make every hop: broker {(heard is null ? "never received it" : "received it")}, " +
                                                     $"{(handedOn is null ? "never delivered it to the backend" : "delivered it")}, {(row is null ? "not stored" : "stored")}.\n{platform.Evidence(node.NodeId)}");
            double Ms(DateTimeOffset at) => (at - injection.At).TotalMilliseconds;
            samples.Add(new LatencySample(samples.Count, injection.At, Ms(publish.At), Ms(heard.ReceivedAt), Ms(handedOn.DeliveredAt.Value), Ms(row.ReceivedAt)));
        }
        return samples;
    }

    public static string Summary(IReadOnlyList<double> values) => string.Create(CultureInfo.InvariantCulture,
        $"n={values.Count} p50={Measurement.NearestRank(values, 50):0.0} ms p95={Measurement.NearestRank(values, 95):0.0} ms p99={Measurement.NearestRank(values, 99):0.0} ms max={values.Max():0.0} ms");

    /// <summary>
    /// What the report draws of the readings' journeys: end to end, then each hop between two stamps. The backend
    /// stamps a row's receipt to the millisecond, so the last hop (and end to end) can read up to 1 ms short.
    /// </summary>
    public static IReadOnlyList<Measurement> Measurements(IReadOnlyList<LatencySample> samples)
    {
        Measurement Of(string name, Func<LatencySample, double> value) => new(name, "ms", samples.Select(s => new Sample(s.InjectedAt, value(s))).ToArray());
        return
        [
            Of(EndToEnd, s => s.Stored),
            Of("hop: sensor sample to the node's publish (seen by the modem)", s => s.Published),
            Of("hop: modem to broker received", s => s.BrokerReceived - s.Published),
            Of("hop: broker received to delivered to the backend", s => s.Delivered - s.BrokerReceived),
            Of("hop: delivered to the backend's receipt stamp on the row", s => s.Stored - s.Delivered),
        ];
    }

    /// <summary>Command round trips (created → acknowledged), one sample per command at its creation.</summary>
    public static Measurement CommandRoundTrips(IReadOnlyList<CommandRecord> commands) =>
        new("command created to acknowledged", "ms", commands.Select(c => new Sample(c.CreatedAt, OperatorCommands.RoundTrip(c).TotalMilliseconds)).ToArray());
}
