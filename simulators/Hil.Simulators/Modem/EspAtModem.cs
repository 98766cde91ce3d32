using System.Text;
using Hil.Harness.Channels;
using Hil.Harness.Clocks;
using Hil.Harness.Support;

namespace Hil.Simulators.Modem;

/// <summary>
/// An ESP-AT compatible Wi-Fi module on a target's link channel: the subset of Espressif's AT
/// command set the reference node uses (Wi-Fi join, MQTT configuration, connect, subscribe,
/// publish as text and raw) answered as the real module answers, <c>ERROR</c> for malformed
/// commands included. With an <see cref="IModemUplink"/> it bridges to a real broker; without
/// one it only records what the node publishes. Faults are injected through its properties and
/// the Wi-Fi/broker methods.
/// </summary>
public sealed partial class EspAtModem : IChannelDevice, IAsyncDisposable
{
    private const int MaxCommandLength = 1024;
    private readonly object _gate = new();
    private readonly ChangeSignal _changed = new();
    private readonly TimeProvider _timeProvider;
    private readonly List<ModemPublish> _publishes = new();
    private readonly Dictionary<string, int> _publishesPerTopic = new(StringComparer.Ordinal); // asked after every device-time step
    private readonly List<string> _commands = new();
    private readonly List<ModemEvent> _timeline = new();
    private readonly List<byte> _line = new();
    // One command at a time, and faults wait for the command in progress: the module is single-threaded.
    private readonly SemaphoreSlim _busy = new(1, 1);
    private readonly Random _garbage = new(1234);
    private TargetChannel? _link;
    private RawPublish? _raw;
    private bool _lineEndedWithCr; // the '\n' of a "\r\n" belongs to the command line, not to raw data
    private bool _wifiUp = true;
    private bool _brokerReachable = true;

    public EspAtModem(IModemUplink? uplink = null, TimeProvider? timeProvider = null)
    {
        Uplink = uplink;
        _timeProvider = timeProvider ?? TimeProvider.System;
        if (uplink is not null)
        {
            uplink.MessageReceived += OnUplinkMessageAsync;
            uplink.ConnectionLost += OnUplinkLostAsync;
        }
    }

    public IModemUplink? Uplink { get; }

    /// <summary>Never answers at all (powered but hung).</summary>
    public bool Silent { get; set; }

    /// <summary>The access point refuses the join (wrong password): <c>+CWJAP:2</c>, <c>ERROR</c>.</summary>
    public bool RefuseJoin { get; set; }

    /// <summary>Added latency before every answer (on the modem's TimeProvider).</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>The next this-many commands are answered <c>busy p...</c> and not executed.</summary>
    public int BusyCount { get; set; }

    /// <summary>Answers cut short or replaced by noise.</summary>
    public ResponseCorruption Corruption { get; set; }

    /// <summary>
    /// Where the node's device time comes from, for the timeline: on the native virtual clock the time the node wrote what
    /// is arriving (<see cref="IDeviceTimeSource"/>); null (or a null answer) leaves the timeline without device times.
    /// </summary>
    public Func<ValueTask<TimeSpan?>>? DeviceTime { get; set; }

    /// <summary>
    /// Where the device time of a notice comes from: when the node took it in (<see cref="IDeviceTimeSource.TimeOfInputAsync"/>).
    /// Null: <see cref="DeviceTime"/> at the moment it is written.
    /// </summary>
    public Func<ValueTask<TimeSpan?>>? InputDeviceTime { get; set; }

    /// <summary>Every command the node sent and every notice the modem gave it unasked, with the node's device time, oldest first.</summary>
    public IReadOnlyList<ModemEvent> Timeline { get { lock (_gate) return _timeline.ToArray(); } }

    /// <summary>Every complete AT command line the node sent, oldest first.</summary>
    public IReadOnlyList<string> Commands { get { lock (_gate) return _commands.ToArray(); } }

    /// <summary>Every message the node published through the modem (whether or not a broker took it).</summary>
    public IReadOnlyList<ModemPublish> Publishes { get { lock (_gate) return _publishes.ToArray(); } }

    /// <summary>The messages the node published on <paramref name="topic"/>, oldest first.</summary>
    public IReadOnlyList<ModemPublish> PublishesOn(string topic)
    {
        lock (_gate) return _publishes.Where(p => p.Topic == topic).ToArray();
    }

    /// <summary>How many messages the node has published on <paramref name="topic"/>, without copying or scanning <see cref="Publishes"/>.</summary>
    public int PublishCount(string topic)
    {
        lock (_gate) return _publishesPerTopic.GetValueOrDefault(topic);
    }

    public bool WifiJoined { get { lock (_gate) return _state.WifiJoined; } }
    public bool MqttConnected { get { lock (_gate) return _state.MqttConnected; } }

    /// <summary>How many MQTT sessions the node has opened (AT+MQTTCONN answered OK): the number of the current or last one.</summary>
    public int MqttSession { get { lock (_gate) return _state.Sessions; } }
    public IReadOnlyCollection<string> Subscriptions { get { lock (_gate) return _state.Subscriptions.ToArray(); } }

    /// <summary>Wires the modem to a target's link channel.</summary>
    public void Attach(TargetChannel link)
    {
        _link = link;
        link.AddDevice(this);
    }

    /// <summary>Waits for a publish matching <paramref name="predicate"/>, ignoring the first <paramref name="skip"/> publishes.</summary>
    public async Task<ModemPublish> WaitForPublishAsync(Func<ModemPublish, bool> predicate, string awaited, TimeSpan timeout,
        int skip = 0, CancellationToken cancellationToken = default)
    {
        ModemPublish? found = null;
        bool ok = await _changed.WaitUntilAsync(() => (found = Publishes.Skip(skip).FirstOrDefault(predicate)) is not null,
            timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        if (ok) return found!;
        throw new TimeoutException($"The modem saw no publish {awaited} within {timeout.TotalSeconds:0.#} s. " +
                                   $"{Publishes.Count} publish(es) so far. {RecentCommands()}");
    }

    /// <summary>Waits until the node has an MQTT session through the modem.</summary>
    public async Task WaitForMqttAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!await _changed.WaitUntilAsync(() => MqttConnected, timeout, _timeProvider, cancellationToken).ConfigureAwait(false))
            throw new TimeoutException($"The node did not open an MQTT session through the modem within {timeout.TotalSeconds:0.#} s. {RecentCommands()}");
    }

    /// <summary>Waits until <paramref name="condition"/> over the modem's state holds (checked at every change); false after <paramref name="timeout"/>.</summary>
    public Task<bool> WaitUntilAsync(Func<EspAtModem, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _changed.WaitUntilAsync(() => condition(this), timeout, _timeProvider, cancellationToken);

    /// <summary>Delivers a message to the node as the module does for a subscribed topic.</summary>
    public Task DeliverAsync(string topic, string payload, CancellationToken cancellationToken = default) =>
        WriteSubscriptionMessageAsync(topic, Encoding.UTF8.GetBytes(payload), cancellationToken);

    /// <summary>The access point disappears: <c>WIFI DISCONNECT</c>, the MQTT session drops (the broker publishes the will).</summary>
    public async Task DropWifiAsync(CancellationToken cancellationToken = default)
    {
        if (!await _busy.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException(_raw is { } raw
                ? $"The modem cannot drop Wi-Fi: it is inside a raw publish still awaiting {raw.Remaining} byte(s) from the node."
                : "The modem cannot drop Wi-Fi: a command has been in progress for 10 s.");
        }
        try
        {
            _wifiUp = false;
            bool wasJoined, wasConnected;
            lock (_gate)
            {
                wasJoined = _state.WifiJoined;
                wasConnected = _state.MqttConnected;
                _state.WifiJoined = _state.MqttConnected = false;
            }
            if (wasConnected && Uplink is not null) await Uplink.AbortAsync().ConfigureAwait(false);
            // Both at once, as the module reports a lost access point: the node takes them in at one instant.
            string[] notices = [.. wasConnected ? ["+MQTTDISCONNECTED:0"] : Array.Empty<string>(), .. wasJoined ? ["WIFI DISCONNECT"] : Array.Empty<string>()];
            await NoticesAsync(notices, cancellationToken).ConfigureAwait(false);
            _changed.Notify();
        }
        finally
        {
            _busy.Release();
        }
    }

    /// <summary>The access point is back; the node has to join again.</summary>
    public void RestoreWifi() => _wifiUp = true;

    /// <summary>Wi-Fi is lost for <paramref name="duration"/> of the node's time, then comes back.</summary>
    public async Task WifiOutageAsync(TimeSpan duration, ITargetClock clock, CancellationToken cancellationToken = default)
    {
        await DropWifiAsync(cancellationToken).ConfigureAwait(false);
        await clock.AdvanceAsync(duration, cancellationToken).ConfigureAwait(false);
        RestoreWifi();
    }

    /// <summary>The broker cannot be reached (connects fail); an open session drops.</summary>
    public async Task SetBrokerReachableAsync(bool reachable, CancellationToken cancellationToken = default)
    {
        _brokerReachable = reachable;
        if (!reachable && MqttConnected) await LoseMqttSessionAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask OnReceivedAsync(TargetChannel channel, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _link ??= channel;
        for (int i = 0; i < data.Length; i++)
        {
            byte b = data.Span[i];
            if (b == '\n' && _lineEndedWithCr)
            {
                _lineEndedWithCr = false;
                continue;
            }
            _lineEndedWithCr = b == '\r';
            if (_raw is not null)
            {
                int take = Math.Min(_raw.Remaining, data.Length - i);
                _raw.Append(data.Span.Slice(i, take));
                _lineEndedWithCr = false;
                i += take - 1;
                if (_raw.Remaining == 0) await FinishRawPublishAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (b == '\n' || b == '\r')
            {
                if (_line.Count == 0) continue;
                string line = Encoding.UTF8.GetString(_line.ToArray());
                _line.Clear();
                await HandleLineAsync(line, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (_line.Count < MaxCommandLength) _line.Add(b);
        }
    }

    private async Task HandleLineAsync(string line, CancellationToken cancellationToken)
    {
        await NoteAsync(ModemEventKind.Command, line).ConfigureAwait(false);
        lock (_gate) _commands.Add(line);
        _changed.Notify();
        if (Silent) return;
        await _busy.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state.Echo) await WriteAsync(line + "\r\n", cancellationToken).ConfigureAwait(false);
            string reply;
            if (BusyCount > 0)
            {
                BusyCount--;
                reply = "busy p...\r\n";
            }
            else
            {
                reply = await ExecuteAsync(line, cancellationToken).ConfigureAwait(false);
            }
            if (reply.Length == 0) return;
            if (ResponseDelay > TimeSpan.Zero) await Task.Delay(ResponseDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
            await WriteAsync(Corrupt(reply), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A raw publish is one transaction up to +MQTTPUB:OK: a fault injected meanwhile waits for
            // its end, so a drop never falls between the broker's acknowledgement and the node's.
            if (_raw is null) _busy.Release();
        }
    }

    private string Corrupt(string reply) => Corruption switch
    {
        ResponseCorruption.Truncate => reply[..(reply.Length / 2)],
        ResponseCorruption.Garbage => new string(Enumerable.Range(0, reply.Length).Select(_ => (char)_garbage.Next(0x21, 0x7F)).ToArray()) + "\r\n",
        _ => reply,
    };

    private async Task FinishRawPublishAsync(CancellationToken cancellationToken)
    {
        RawPublish raw = _raw!;
        _raw = null;
        try
        {
            bool ok = await PublishAsync(raw.Topic, raw.Data.ToArray(), raw.Qos, raw.Retain, cancellationToken).ConfigureAwait(false);
            await WriteAsync(ok ? "\r\n+MQTTPUB:OK\r\n" : "\r\n+MQTTPUB:FAIL\r\n", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _busy.Release(); // taken by the AT+MQTTPUBRAW command that opened the transaction
        }
    }

    /// <summary>Records the publish and forwards it to the broker when there is one.</summary>
    private async Task<bool> PublishAsync(string topic, byte[] payload, int qos, bool retain, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _publishes.Add(new ModemPublish(topic, payload, qos, retain, _timeProvider.GetUtcNow()) { Session = _state.Sessions });
            _publishesPerTopic[topic] = _publishesPerTopic.GetValueOrDefault(topic) + 1;
        }
        _changed.Notify();
        return Uplink is null || await Uplink.PublishAsync(topic, payload, qos, retain, cancellationToken).ConfigureAwait(false);
    }

    private Task OnUplinkMessageAsync(string topic, byte[] payload) => WriteSubscriptionMessageAsync(topic, payload, CancellationToken.None);

    private async Task OnUplinkLostAsync(string reason)
    {
        if (!MqttConnected) return;
        await LoseMqttSessionAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task LoseMqttSessionAsync(CancellationToken cancellationToken)
    {
        lock (_gate) _state.MqttConnected = false;
        if (Uplink is not null) await Uplink.AbortAsync().ConfigureAwait(false);
        await NoticesAsync(["+MQTTDISCONNECTED:0"], cancellationToken).ConfigureAwait(false);
        _changed.Notify();
    }

    private async Task NoticesAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        if (lines.Count == 0) return;
        string text = string.Concat(lines.Select(l => l + "\r\n"));
        if (InputDeviceTime is not { } takenIn)
        {
            foreach (string line in lines) await NoteAsync(ModemEventKind.Notice, line).ConfigureAwait(false);
            await WriteAsync(text, cancellationToken).ConfigureAwait(false);
            return;
        }
        // The notices keep their place on the timeline (before what the node does about them); their time is known once taken in.
        int first;
        lock (_gate)
        {
            first = _timeline.Count;
            foreach (string line in lines) _timeline.Add(new ModemEvent(null, ModemEventKind.Notice, line));
        }
        await WriteAsync(text, cancellationToken).ConfigureAwait(false);
        TimeSpan? at = await takenIn().ConfigureAwait(false);
        lock (_gate)
        {
            for (int i = first; i < first + lines.Count; i++) _timeline[i] = _timeline[i] with { DeviceTime = at };
        }
    }

    private async Task NoteAsync(ModemEventKind kind, string text)
    {
        TimeSpan? at = DeviceTime is { } source ? await source().ConfigureAwait(false) : null;
        lock (_gate) _timeline.Add(new ModemEvent(at, kind, text));
    }

    private async Task WriteSubscriptionMessageAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        byte[] head = Encoding.UTF8.GetBytes($"+MQTTSUBRECV:0,\"{topic}\",{payload.Length},");
        await WriteAsync([.. head, .. payload, (byte)'\r', (byte)'\n'], cancellationToken).ConfigureAwait(false);
    }

    private Task WriteAsync(string text, CancellationToken cancellationToken) => WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    private async Task WriteAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        TargetChannel link = _link ?? throw new InvalidOperationException("The modem is not attached to a link channel.");
        if (!link.IsConnected) return; // the node is off: a radio has nobody to talk to
        await link.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    private string RecentCommands()
    {
        IReadOnlyList<string> commands = Commands;
        return "Last AT commands from the node:\n  | " + string.Join("\n  | ", commands.Skip(Math.Max(0, commands.Count - 12)));
    }

    public async ValueTask DisposeAsync()
    {
        if (Uplink is not null) await Uplink.DisposeAsync().ConfigureAwait(false);
        _busy.Dispose();
    }

    private sealed class RawPublish(string topic, int length, int qos, bool retain)
    {
        public string Topic { get; } = topic;
        public int Qos { get; } = qos;
        public bool Retain { get; } = retain;
        public List<byte> Data { get; } = new(length);
        public int Remaining => length - Data.Count;
        public void Append(ReadOnlySpan<byte> bytes) { foreach (byte b in bytes) Data.Add(b); }
    }
}

public enum ResponseCorruption { None, Truncate, Garbage }
