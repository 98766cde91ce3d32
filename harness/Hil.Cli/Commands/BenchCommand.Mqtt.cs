using System.CommandLine;
using System.Globalization;
using Hil.Cli.Benchmarks;
using Hil.Mqtt.Broker;
using Hil.Mqtt.Mosquitto;
using Hil.Mqtt.Packets;

namespace Hil.Cli.Commands;

/// <summary>`hil bench mqtt`: our broker and Mosquitto side by side, in the same run.</summary>
internal static partial class BenchCommand
{
    private const double ThroughputGoal = 0.5;

    private static Command CreateMqtt(Option<bool> noRecord)
    {
        var publishers = new Option<int>("--publishers") { Description = "Publishing clients", DefaultValueFactory = _ => 4 };
        var subscribers = new Option<int>("--subscribers") { Description = "Subscribing clients (each receives every message)", DefaultValueFactory = _ => 4 };
        var messages = new Option<int>("--messages") { Description = "Messages per publisher, per QoS and broker", DefaultValueFactory = _ => 5000 };
        var payload = new Option<int>("--payload") { Description = "Payload bytes (at least 8: the send timestamp)", DefaultValueFactory = _ => 64 };
        var connections = new Option<int>("--connections") { Description = "Concurrent connections to hold (0 skips)", DefaultValueFactory = _ => 10_000 };
        var mqtt = new Command("mqtt",
            "Throughput and latency of our broker next to Mosquitto at QoS 0 and 1, and concurrent connections held " +
            $"(goals: ours >= {ThroughputGoal}x Mosquitto's messages/s; every connection held)")
        {
            publishers, subscribers, messages, payload, connections, noRecord,
        };
        mqtt.SetAction((parse, ct) => CliErrors.GuardAsync(() => MqttAsync(
            new MqttBenchSettings(parse.GetValue(publishers), parse.GetValue(subscribers), parse.GetValue(messages), parse.GetValue(payload),
                parse.GetValue(connections)),
            !parse.GetValue(noRecord), ct)));
        return mqtt;
    }

    /// <summary>The hidden child of the connection test (see <see cref="ConnectionHolder"/>).</summary>
    private static Command CreateMqttHold()
    {
        var broker = new Option<string>("--broker") { Required = true };
        var port = new Option<int>("--port") { Required = true };
        var count = new Option<int>("--count") { Required = true };
        var hold = new Command(ConnectionHolder.CommandName, "Internal: holds MQTT connections for `bench mqtt`") { broker, port, count };
        hold.Hidden = true;
        hold.SetAction((parse, ct) => CliErrors.GuardAsync(() =>
            ConnectionHolder.RunHolderAsync(parse.GetValue(broker)!, parse.GetValue(port), parse.GetValue(count), ct)));
        return hold;
    }

    private static async Task<int> MqttAsync(MqttBenchSettings settings, bool record, CancellationToken cancellationToken)
    {
        if (settings.Publishers < 1 || settings.Subscribers < 1 || settings.Messages < 1)
            throw new ArgumentException("--publishers, --subscribers and --messages must be at least 1");
        if (settings.PayloadBytes is < 8 or > 65536) throw new ArgumentException("--payload must be between 8 and 65536 bytes");
        if (settings.Connections is < 0 or > 50_000) throw new ArgumentException("--connections must be between 0 and 50000");
        // The broker side of every connection is in this process (ours) or in Mosquitto, which inherits the limit.
        ulong fdLimit = FileDescriptorLimit.RaiseTo((ulong)settings.Connections + 1024);

        await using var ours = new MqttBroker(new MqttBrokerOptions());
        await ours.StartAsync(cancellationToken);
        // Mosquitto drops QoS 1 messages beyond 1000 queued per subscriber by default; unbounded, it delivers them all, as ours does.
        await using MosquittoProcess mosquitto = await MosquittoProcess.StartAsync(
            new MosquittoOptions { ExtraConfiguration = ["max_queued_messages 0"] }, cancellationToken);
        var brokers = new (string Name, int Port)[] { ("ours", ours.Port), ("mosquitto", mosquitto.Port) };

        // Warm-up: the first run pays for JIT compilation, which the measured ones should not.
        foreach (var (name, port) in brokers)
            await MqttBenchmark.ThroughputAsync(name, port, MqttQos.AtLeastOnce, settings with { Publishers = 1, Subscribers = 1, Messages = 500 }, cancellationToken);

        var runs = new List<ThroughputResult>();
        foreach (MqttQos qos in new[] { MqttQos.AtMostOnce, MqttQos.AtLeastOnce })
        {
            foreach (var (name, port) in brokers)
            {
                Progress($"{name}, QoS {(int)qos}: {settings.Publishers} -> {settings.Subscribers}, {settings.Messages} messages each");
                runs.Add(await MqttBenchmark.ThroughputAsync(name, port, qos, settings, cancellationToken));
            }
        }

        var held = new List<ConnectionResult>();
        if (settings.Connections > 0)
        {
            foreach (var (name, port) in brokers)
            {
                Progress($"{name}: opening {settings.Connections} connections (open-file limit {fdLimit})");
                held.Add(await ConnectionHolder.RunChildAsync(name, port, settings.Connections,
                    name == "ours" ? () => ours.ConnectedClientIds.Count : null, cancellationToken));
            }
        }

        string tables = MqttTables(settings, runs, held, out bool goalsMet);
        Console.WriteLine(tables);
        if (record)
        {
            string file = BenchmarkLog.Record("MQTT broker",
                $"`./hil bench mqtt`: {settings.Publishers} publishers → {settings.Subscribers} subscribers on loopback, {settings.Messages} messages " +
                $"of {settings.PayloadBytes} bytes per publisher (every subscriber receives all), our client against our embedded broker and " +
                "against Mosquitto 2 started by the benchmark (`max_queued_messages 0`), in the same run. Latency is end to end, from a timestamp in the payload. " +
                "QoS 1 publishers keep 64 messages in flight. Connections: opened by a child `hil` process (100 in parallel), " +
                "all counted connected at once (by the client and, for ours, by the broker), then closed.", tables);
            Console.Error.WriteLine($"hil: recorded in {file}");
        }
        return goalsMet ? 0 : 1;
    }

    private static string MqttTables(MqttBenchSettings settings, List<ThroughputResult> runs, List<ConnectionResult> held, out bool goalsMet)
    {
        static string F(double v, string format = "0.00") => double.IsNaN(v) ? "—" : v.ToString(format, CultureInfo.InvariantCulture);
        string throughput = MarkdownTable.Render(
            ["broker", "QoS", "clients", "delivered", "messages/s", "p50 latency (ms)", "p99 latency (ms)"],
            runs.Select(r => (IReadOnlyList<string>)
            [
                r.Broker, ((int)r.Qos).ToString(CultureInfo.InvariantCulture), $"{settings.Publishers} → {settings.Subscribers}",
                $"{r.Delivered}/{r.Expected}", F(r.PerSecond, "0"), F(r.P50Ms), F(r.P99Ms),
            ]));
        goalsMet = true;
        var ratios = new List<IReadOnlyList<string>>();
        foreach (IGrouping<MqttQos, ThroughputResult> byQos in runs.GroupBy(r => r.Qos))
        {
            double ratio = byQos.Single(r => r.Broker == "ours").PerSecond / byQos.Single(r => r.Broker == "mosquitto").PerSecond;
            bool complete = byQos.All(r => r.Delivered == r.Expected || r.Qos == MqttQos.AtMostOnce);
            bool meets = ratio >= ThroughputGoal && complete;
            goalsMet &= meets;
            ratios.Add([((int)byQos.Key).ToString(CultureInfo.InvariantCulture), F(ratio), $"≥ {F(ThroughputGoal, "0.0")}", BenchmarkRow.Verdict(meets)]);
        }
        string ratioTable = MarkdownTable.Render(["QoS", "ours / Mosquitto (messages/s)", "goal", "verdict"], ratios);
        if (held.Count == 0) return throughput + "\n\n" + ratioTable;
        goalsMet &= held.All(h => h.AllHeld);
        string connections = MarkdownTable.Render(
            ["broker", "connections held at once", "held by the broker", "open time (s)", "client heap per connection (KiB)", "goal", "verdict"],
            held.Select(h => (IReadOnlyList<string>)
            [
                h.Broker, $"{h.Held}/{h.Wanted}", h.HeldByBroker?.ToString(CultureInfo.InvariantCulture) ?? "—", F(h.OpenTime.TotalSeconds),
                F(h.HeapKiBPerConnection, "0.0"),
                $"all {h.Wanted}", BenchmarkRow.Verdict(h.AllHeld) + (h.FirstError is null ? "" : $" (first error: {h.FirstError})"),
            ]));
        return throughput + "\n\n" + ratioTable + "\n\n" + connections;
    }

    private static void Progress(string what) => Console.Error.WriteLine($"hil: mqtt: {what}");
}
