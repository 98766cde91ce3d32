using System.Text;
using Hil.Gherkin.Runtime;
using Hil.Harness.Channels;
using Hil.Harness.Firmware;
using Hil.Harness.Node;
using Hil.Harness.Support;
using Hil.Harness.Targets;
using Hil.Simulators.Modem;

namespace Hil.Steps.Drivers;

/// <summary>
/// One node of a scenario: its target, its console, the modem on its link, and the device-time
/// operations steps need (advance, wait for a condition in device time, reboot, Wi-Fi outage).
/// </summary>
public sealed class FleetNode(string name, NodeSpec spec, ITarget target, EspAtModem modem, HarnessSettings settings)
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    public string Name { get; } = name;
    /// <summary>The firmware the node runs now (changed by <see cref="UpgradeAsync"/>).</summary>
    public NodeSpec Spec { get; private set; } = spec;
    public ITarget Target { get; } = target;
    public EspAtModem Modem { get; } = modem;
    public NodeConsole Console { get; } = new(target.GetChannel(ChannelNames.Console));
    public TargetChannel Link => Target.GetChannel(ChannelNames.Link);
    public string NodeId { get; private set; } = "";
    // The node's topics (the platform contract's devices/{id}/...), named here once for every driver.
    public string TelemetryTopic => $"devices/{NodeId}/telemetry";
    public string EventsTopic => $"devices/{NodeId}/events";
    public string AcksTopic => $"devices/{NodeId}/acks";
    public string CommandsTopic => $"devices/{NodeId}/commands";
    private string StatusTopic => $"devices/{NodeId}/status";

    /// <summary>The last console reply a step asked for (what "the reply" refers to).</summary>
    public ConsoleReply? LastReply { get; set; }

    /// <summary>Every telemetry payload the node has published on the link, oldest first.</summary>
    public IReadOnlyList<TelemetryReading> Readings => TelemetryPublishes.Select(TelemetryReading.Parse).ToArray();

    /// <summary>Every telemetry message the node has published on the link, oldest first, unparsed.</summary>
    public IReadOnlyList<ModemPublish> TelemetryPublishes => Modem.PublishesOn(TelemetryTopic);

    /// <summary>How many telemetry payloads the node has published, without parsing them (checked after every device-time step).</summary>
    public int ReadingCount => Modem.PublishCount(TelemetryTopic);

    /// <summary>
    /// The readings the node took, each once, oldest first: what a backend should store. A v2/v3 payload
    /// published again byte for byte is the node retrying a publish the modem could not confirm
    /// (<c>+MQTTPUB:FAIL</c> when a broker goes away before its PUBACK): at-least-once, so the broker may
    /// have it twice, and the backend keeps one per (boot, seq). v1 has no identity: every publish counts.
    /// </summary>
    public IReadOnlyList<TelemetryReading> DistinctReadings
    {
        get
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            return Readings.Where(r => r.Sequence is null || seen.Add(r.Text)).ToArray();
        }
    }

    internal async Task BootedAsync(CancellationToken cancellationToken)
    {
        await Console.WaitForPromptAsync(settings.StepTimeout, cancellationToken);
        NodeId = (await Console.ExecuteOkAsync("status", cancellationToken: cancellationToken))["node"];
    }

    public async Task<ConsoleReply> ExecuteAsync(string command, CancellationToken cancellationToken = default) =>
        LastReply = await Console.ExecuteAsync(command, settings.StepTimeout, cancellationToken);

    public async Task<ConsoleReply> StatusAsync(CancellationToken cancellationToken = default) =>
        await Console.ExecuteOkAsync("status", settings.StepTimeout, cancellationToken);

    /// <summary>Lets device time pass: instantly event by event on native, by itself under QEMU's icount.</summary>
    public Task AdvanceAsync(TimeSpan duration, CancellationToken cancellationToken = default) =>
        Target.Clock.AdvanceAsync(duration, cancellationToken);

    /// <summary>Lets device time pass one second at a time until <paramref name="condition"/> holds, for at most <paramref name="limit"/> of device time.</summary>
    public Task AdvanceUntilAsync(Func<bool> condition, string awaited, TimeSpan limit, CancellationToken cancellationToken = default) =>
        AdvanceUntilAsync(() => Task.FromResult(condition()), awaited, limit, cancellationToken);

    /// <summary>As above, for a condition that has to be asked (the node's status).</summary>
    public async Task AdvanceUntilAsync(Func<Task<bool>> condition, string awaited, TimeSpan limit, CancellationToken cancellationToken = default)
    {
        // The present instant first lived to its end (what the node does on input at this time, such as its whole modem
        // dialogue, without time passing): else whether the condition already held depended on how fast the harness
        // looked, and with it the device time at which the scenario went on.
        await AdvanceAsync(TimeSpan.Zero, cancellationToken);
        for (TimeSpan passed = TimeSpan.Zero; !await condition(); passed += Tick)
        {
            if (passed >= limit)
                throw new TimeoutException($"Node '{Name}' ({Target.Backend}): {awaited} did not happen within {limit.TotalSeconds:0} s of device time.\n{Evidence(12)}");
            await AdvanceAsync(Tick, cancellationToken);
        }
    }

    /// <summary>
    /// Until the node can be reached: it says link=mqtt itself (the modem's view is not enough: like a real ESP
    /// module it stays connected while the microcontroller reboots), and on the modem's current MQTT session it
    /// has subscribed to its commands and announced itself online, its last connect step. A command sent from
    /// then on reaches it.
    /// </summary>
    public Task WaitOnlineAsync(CancellationToken cancellationToken = default) =>
        AdvanceUntilAsync(async () => ReachableOverMqtt() && (await StatusAsync(cancellationToken))["link"] == "mqtt",
            $"link=mqtt in the node's status, a subscription to {CommandsTopic} and \"online\" on {StatusTopic} on the modem's current session",
            TimeSpan.FromSeconds(120), cancellationToken);

    private bool ReachableOverMqtt()
    {
        int session = Modem.MqttSession;
        return Modem.MqttConnected && Modem.Subscriptions.Contains(CommandsTopic) &&
               Modem.PublishesOn(StatusTopic).Any(p => p.Session == session && p.Text == "online");
    }

    /// <summary>Asks for the status until <paramref name="condition"/> holds or <paramref name="within"/> (wall time) passes; returns the last answer.</summary>
    public async Task<ConsoleReply> StatusWhenAsync(Func<ConsoleReply, bool> condition, TimeSpan within, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Poll.UntilAsync(StatusAsync, condition, "a status", within, cancellationToken: cancellationToken);
        }
        catch (TimeoutException)
        {
            return await StatusAsync(cancellationToken);
        }
    }

    /// <summary>Reboots through the console's `reboot` command and waits for the new boot's prompt.</summary>
    public async Task RebootAsync(CancellationToken cancellationToken = default)
    {
        TargetChannel console = Console.Channel;
        console.SkipReceived();
        await console.WriteLineAsync("reboot", cancellationToken);
        await console.ExpectLineAsync(new System.Text.RegularExpressions.Regex("hive-node ready"), settings.StepTimeout, cancellationToken);
        await BootedAsync(cancellationToken);
    }

    /// <summary>Hardware reset: the process restarted (native) or QMP system_reset (QEMU).</summary>
    public async Task PowerCycleAsync(CancellationToken cancellationToken = default)
    {
        await Target.ResetAsync(cancellationToken);
        await BootedAsync(cancellationToken);
    }

    /// <summary>
    /// Writes the firmware build <paramref name="firmwareVersion"/> / protocol v<paramref name="protocolVersion"/> into the node
    /// and resets it into the new image, keeping its identity and config flash (boot counter, settings), then waits until
    /// it is back online. Skips the scenario on targets that cannot be updated in place.
    /// </summary>
    public async Task UpgradeAsync(string firmwareVersion, int protocolVersion, CancellationToken cancellationToken = default)
    {
        if (Target is not IFirmwareUpdatable updatable)
            throw new ScenarioSkippedException($"the {Target.Backend} target cannot replace the firmware of '{Name}' in place " +
                                               "(keeping its flash); firmware updates run on the native target");
        string board = Target.Backend == "native" ? "native" : "stm32f4";
        string image = await FirmwareBuilder.EnsureAsync(new FirmwareVariant(board, firmwareVersion, protocolVersion), cancellationToken);
        await updatable.UpdateFirmwareAsync(image, cancellationToken);
        Spec = Spec with { FirmwareVersion = firmwareVersion, ProtocolVersion = protocolVersion };
        await BootedAsync(cancellationToken);
        await WaitOnlineAsync(cancellationToken);
    }

    /// <summary>
    /// The access point disappears for <paramref name="duration"/> of device time: the modem reports
    /// the MQTT and Wi-Fi disconnects and refuses to rejoin until it is back, so the node backs off
    /// and retries, buffering its readings.
    /// </summary>
    public async Task WifiOutageAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        LastOutageStart = Modem.Timeline.Count;
        ReadingsBeforeLastOutage = ReadingCount;
        await Modem.DropWifiAsync(cancellationToken);
        try
        {
            await AdvanceAsync(duration, cancellationToken);
        }
        finally
        {
            Modem.RestoreWifi();
        }
    }

    /// <summary>Where on the modem's timeline the last Wi-Fi outage began (an index into <see cref="EspAtModem.Timeline"/>).</summary>
    public int LastOutageStart { get; private set; }

    /// <summary>How many readings the node had published when the last Wi-Fi outage began.</summary>
    public int ReadingsBeforeLastOutage { get; private set; }

    /// <summary>The commands starting with <paramref name="prefix"/> on the modem's timeline from index <paramref name="from"/> on.</summary>
    public IReadOnlyList<ModemEvent> CommandsSince(string prefix, int from) =>
        Modem.Timeline.Skip(from).Where(e => e.Kind == ModemEventKind.Command && e.Text.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    /// <summary>The broker is lost while Wi-Fi stays up (the modem says +MQTTDISCONNECTED:0); connecting again works at once.</summary>
    public async Task DropBrokerConnectionAsync(CancellationToken cancellationToken = default)
    {
        await Modem.SetBrokerReachableAsync(false, cancellationToken);
        await Modem.SetBrokerReachableAsync(true, cancellationToken);
    }

    /// <summary>The transcripts and link traffic that explain a failure.</summary>
    public string Evidence(int lines = 30)
    {
        var text = new StringBuilder();
        text.AppendLine($"node '{Name}' ({Target.Backend}, firmware {Spec.FirmwareVersion}, protocol v{Spec.ProtocolVersion}, id {NodeId}, state {Target.State})");
        foreach (TargetChannel channel in Target.Channels.Where(c => c.Name != ChannelNames.Stimulus))
        {
            text.AppendLine($"  {channel.Name} (last {lines} lines):");
            foreach (string line in channel.Tail(lines)) text.Append("    ").AppendLine(line);
        }
        IReadOnlyList<ModemPublish> publishes = Modem.Publishes;
        text.AppendLine($"  modem: wifi={(Modem.WifiJoined ? "joined" : "down")} mqtt={(Modem.MqttConnected ? "connected" : "down")} silent={Modem.Silent}, {publishes.Count} publish(es); the last:");
        foreach (ModemPublish publish in publishes.Skip(Math.Max(0, publishes.Count - 5))) text.Append("    ").Append(publish.Topic).Append(' ').AppendLine(publish.Text);
        return text.ToString().TrimEnd();
    }
}
