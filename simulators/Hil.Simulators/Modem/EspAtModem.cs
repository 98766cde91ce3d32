using System.Globalization;
using System.Text;
using Hil.Harness.Channels;
using Hil.Harness.Support;

namespace Hil.Simulators.Modem;

/// <summary>
/// An ESP-AT compatible Wi-Fi module on a target's link channel: the subset of Espressif's AT
/// command set the reference node uses (Wi-Fi join, MQTT user/connection config, connect,
/// subscribe, publish as text and raw). It answers as the real module does, including
/// <c>ERROR</c> for malformed commands. Messages the node publishes are recorded; messages for
/// the node are delivered as <c>+MQTTSUBRECV</c>.
/// </summary>
public sealed class EspAtModem : IChannelDevice
{
    private const int MaxCommandLength = 1024;
    private readonly object _gate = new();
    private readonly ChangeSignal _changed = new();
    private readonly TimeProvider _timeProvider;
    private readonly List<ModemPublish> _publishes = new();
    private readonly List<string> _commands = new();
    private readonly HashSet<string> _subscriptions = new(StringComparer.Ordinal);
    private readonly List<byte> _line = new();
    private TargetChannel? _link;
    private bool _echo = true;
    private bool _wifiJoined;
    private bool _mqttConnected;
    private RawPublish? _raw;
    private bool _lineEndedWithCr; // the '\n' of a "\r\n" belongs to the command line, not to raw data

    public EspAtModem(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>When true the module answers nothing at all (powered but hung).</summary>
    public bool Silent { get; set; }

    /// <summary>Every complete AT command line the node sent, oldest first.</summary>
    public IReadOnlyList<string> Commands { get { lock (_gate) return _commands.ToArray(); } }

    public IReadOnlyList<ModemPublish> Publishes { get { lock (_gate) return _publishes.ToArray(); } }

    public bool WifiJoined { get { lock (_gate) return _wifiJoined; } }
    public bool MqttConnected { get { lock (_gate) return _mqttConnected; } }
    public IReadOnlyCollection<string> Subscriptions { get { lock (_gate) return _subscriptions.ToArray(); } }

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
        IReadOnlyList<string> commands = Commands;
        throw new TimeoutException(
            $"The modem saw no publish {awaited} within {timeout.TotalSeconds:0.#} s. " +
            $"{Publishes.Count} publish(es) so far; last AT commands from the node:\n  | " +
            string.Join("\n  | ", commands.Skip(Math.Max(0, commands.Count - 12))));
    }

    /// <summary>Delivers a message to the node as the module does for a subscribed topic.</summary>
    public async Task DeliverAsync(string topic, string payload, CancellationToken cancellationToken = default)
    {
        byte[] data = Encoding.UTF8.GetBytes(payload);
        await WriteAsync($"+MQTTSUBRECV:0,\"{topic}\",{data.Length},{payload}\r\n", cancellationToken).ConfigureAwait(false);
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
        lock (_gate) _commands.Add(line);
        _changed.Notify();
        if (Silent) return;
        if (_echo) await WriteAsync(line + "\r\n", cancellationToken).ConfigureAwait(false);
        string reply = Respond(line);
        if (reply.Length > 0) await WriteAsync(reply, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The module's answer to one command line.</summary>
    private string Respond(string line)
    {
        const string Ok = "\r\nOK\r\n";
        const string Error = "\r\nERROR\r\n";
        if (!line.StartsWith("AT", StringComparison.Ordinal)) return Error;
        string command = line[2..];
        int eq = command.IndexOf('=');
        string name = eq < 0 ? command : command[..eq];
        IReadOnlyList<AtValue>? args = eq < 0 ? [] : AtArguments.Parse(command[(eq + 1)..]);
        if (args is null) return Error;
        lock (_gate)
        {
            switch (name)
            {
                case "": return Ok;
                case "E0": _echo = false; return Ok;
                case "E1": _echo = true; return Ok;
                case "+RST":
                    _wifiJoined = _mqttConnected = false;
                    _subscriptions.Clear();
                    return Ok + "\r\nready\r\n";
                case "+GMR":
                    return "AT version:3.4.0.0(hil-emulator)\r\nSDK version:v5.0\r\ncompile time:hil\r\nBin version:hil\r\n" + Ok;
                case "+CWMODE":
                    return args.Count == 1 && args[0].AsInt() is >= 0 and <= 3 ? Ok : Error;
                case "+CWJAP":
                    if (args.Count < 2 || !args[0].IsString || !args[1].IsString) return Error;
                    _wifiJoined = true;
                    return "WIFI CONNECTED\r\nWIFI GOT IP\r\n" + Ok;
                case "+CWQAP":
                    _wifiJoined = _mqttConnected = false;
                    return Ok + "WIFI DISCONNECT\r\n";
                case "+MQTTUSERCFG":
                    return args.Count == 8 && args[0].AsInt() == 0 ? Ok : Error;
                case "+MQTTCONNCFG":
                    return args.Count == 7 && args[0].AsInt() == 0 ? Ok : Error;
                case "+MQTTCONN":
                    if (args.Count != 4 || !args[1].IsString || args[2].AsInt() is null || !_wifiJoined) return Error;
                    _mqttConnected = true;
                    return $"+MQTTCONNECTED:0,1,\"{args[1].Text}\",\"{args[2].Text}\",\"\",{args[3].Text}\r\n" + Ok;
                case "+MQTTSUB":
                    if (args.Count != 3 || !args[1].IsString || !_mqttConnected) return Error;
                    return _subscriptions.Add(args[1].Text) ? Ok : "ALREADY SUBSCRIBE" + Ok;
                case "+MQTTUNSUB":
                    if (args.Count != 2 || !args[1].IsString) return Error;
                    return _subscriptions.Remove(args[1].Text) ? Ok : "NO UNSUBSCRIBE" + Ok;
                case "+MQTTPUB":
                    if (args.Count != 5 || !args[1].IsString || !args[2].IsString || !_mqttConnected) return Error;
                    Record(args[1].Text, Encoding.UTF8.GetBytes(args[2].Text), args[3].AsInt() ?? 0, args[4].AsInt() == 1);
                    return Ok;
                case "+MQTTPUBRAW":
                    if (args.Count != 5 || !args[1].IsString || args[2].AsInt() is not > 0 and <= 8192 || !_mqttConnected) return Error;
                    _raw = new RawPublish(args[1].Text, args[2].AsInt()!.Value, args[3].AsInt() ?? 0, args[4].AsInt() == 1);
                    return Ok + "\r\n>";
                case "+MQTTCLEAN":
                    _mqttConnected = false;
                    _subscriptions.Clear();
                    return Ok;
                default:
                    return Error;
            }
        }
    }

    private async Task FinishRawPublishAsync(CancellationToken cancellationToken)
    {
        RawPublish raw = _raw!;
        _raw = null;
        lock (_gate) Record(raw.Topic, raw.Data.ToArray(), raw.Qos, raw.Retain);
        await WriteAsync("\r\n+MQTTPUB:OK\r\n", cancellationToken).ConfigureAwait(false);
    }

    private void Record(string topic, byte[] payload, int qos, bool retain)
    {
        _publishes.Add(new ModemPublish(topic, payload, qos, retain, _timeProvider.GetUtcNow()));
        _changed.Notify();
    }

    private Task WriteAsync(string text, CancellationToken cancellationToken) =>
        (_link ?? throw new InvalidOperationException("The modem is not attached to a link channel."))
            .WriteAsync(text, cancellationToken);

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
