using System.Globalization;
using System.Text;
using Hil.Backend.Storage;
using Hil.Gherkin.Bindings;
using Hil.Harness.Channels;
using Hil.Harness.Targets;
using Hil.Mqtt.Broker;
using Hil.Simulators.Modem;

namespace Hil.Steps.Drivers;

/// <summary>
/// The evidence a failed scenario leaves in its reports, whole rather than the tails an exception quotes: every channel's
/// transcript of every node, each node's modem and what it published, the MQTT messages the broker saw, and the backend's
/// rows of each node and its dead letters. One attachment per piece, so the report shows each as its own block.
/// </summary>
public static class ScenarioEvidence
{
    /// <summary>The most lines one piece keeps (its newest): a day-long soak's whole console would drown the report.</summary>
    public const int MaxLines = 5000;

    public static async Task<IReadOnlyList<Attachment>> CollectAsync(IReadOnlyList<FleetNode> nodes, ScenarioPlatform platform)
    {
        var evidence = new List<Attachment>();
        foreach (FleetNode node in nodes)
        {
            // The stimulus channel carries binary frames into the node, nothing a person reads.
            foreach (TargetChannel channel in node.Target.Channels.Where(c => c.Name != ChannelNames.Stimulus))
                evidence.Add(Piece($"{node.Name} {channel.Name} transcript", channel.LinesSince(0)));
            evidence.Add(Piece($"{node.Name} modem", Modem(node)));
        }
        if (!platform.IsRunning) return evidence;
        evidence.Add(Piece("broker: MQTT messages", platform.Traffic.Select(Message).ToArray()));
        foreach (FleetNode node in nodes)
        {
            IReadOnlyList<TelemetryRecord> rows = await platform.ReadingsAsync(node.NodeId);
            evidence.Add(Piece($"backend: rows of {node.Name} ({node.NodeId})", rows.Select(Row).ToArray()));
        }
        IReadOnlyList<DeadLetterRecord> dead = await platform.DeadLettersAsync();
        if (dead.Count > 0) evidence.Add(Piece("backend: dead letters", dead.Select(d => $"#{d.Id} {d.ReceivedAt:HH:mm:ss.fff} {d.Topic} \"{d.Reason}\": {d.Payload}").ToArray()));
        return evidence;
    }

    private static string[] Modem(FleetNode node)
    {
        IReadOnlyList<ModemPublish> publishes = node.Modem.Publishes;
        return publishes.Select(p => $"{p.At:HH:mm:ss.fff} published {p.Topic} {p.Text}")
            .Prepend($"node '{node.Name}' ({node.Target.Backend}, firmware {node.Spec.FirmwareVersion}, protocol v{node.Spec.ProtocolVersion}, id {node.NodeId}, " +
                     $"state {node.Target.State}); modem: wifi={(node.Modem.WifiJoined ? "joined" : "down")} mqtt={(node.Modem.MqttConnected ? "connected" : "down")}, " +
                     $"{publishes.Count} publish(es)")
            .ToArray();
    }

    private static string Message(BrokerMessageEvent m) =>
        $"{m.ReceivedAt:HH:mm:ss.fff} {m.SenderClientId}{(m.ReceiverClientId is null ? " published" : $" -> {m.ReceiverClientId}")}" +
        $"{(m.DeliveredAt is { } at ? $" (delivered {at:HH:mm:ss.fff})" : "")} qos{(int)m.Qos} {m.Topic} {Encoding.UTF8.GetString(m.Payload.Span)}";

    private static string Row(TelemetryRecord r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.ReceivedAt:HH:mm:ss.fff} v{r.Version} fw={r.Firmware ?? "-"} boot={r.Boot} seq={r.Seq} uptime={r.UptimeMs} ms t={r.TemperatureC} h={r.HumidityPct} battery={r.BatteryMv} rssi={r.RssiDbm} errors={r.ErrorFlags} via {r.Transport}");

    private static Attachment Piece(string name, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0) return new Attachment(name, "(nothing)");
        int left = Math.Max(0, lines.Count - MaxLines);
        var text = new StringBuilder();
        if (left > 0) text.Append($"({left} earlier lines left out)\n");
        foreach (string line in lines.Skip(left)) text.Append(line.TrimEnd('\r')).Append('\n');
        return new Attachment(name, text.ToString().TrimEnd('\n'));
    }
}
