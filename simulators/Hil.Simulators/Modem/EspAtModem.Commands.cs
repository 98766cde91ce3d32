namespace Hil.Simulators.Modem;

/// <summary>The AT command set: parsing each command line and producing the module's answer.</summary>
public sealed partial class EspAtModem
{
    private const string Ok = "\r\nOK\r\n";
    private const string Error = "\r\nERROR\r\n";
    private readonly ModemState _state = new();

    /// <summary>What the module remembers between commands.</summary>
    private sealed class ModemState
    {
        public bool Echo = true;
        public bool WifiJoined;
        public bool MqttConnected;
        public int Sessions;
        public string ClientId = "";
        public string? Username;
        public string? Password;
        public int KeepAliveSeconds = 120;
        public bool CleanSession = true;
        public string? WillTopic;
        public string? WillMessage;
        public int WillQos;
        public bool WillRetain;
        public readonly HashSet<string> Subscriptions = new(StringComparer.Ordinal);
    }

    /// <summary>Runs one command line; returns the text to answer (empty for none).</summary>
    private async Task<string> ExecuteAsync(string line, CancellationToken cancellationToken)
    {
        if (!line.StartsWith("AT", StringComparison.Ordinal)) return Error;
        string command = line[2..];
        int eq = command.IndexOf('=');
        string name = eq < 0 ? command : command[..eq];
        IReadOnlyList<AtValue>? args = eq < 0 ? [] : AtArguments.Parse(command[(eq + 1)..]);
        if (args is null) return Error;
        switch (name)
        {
            case "": return Ok;
            case "E0": _state.Echo = false; return Ok;
            case "E1": _state.Echo = true; return Ok;
            case "+RST": await ResetAsync(cancellationToken).ConfigureAwait(false); return Ok + "\r\nready\r\n";
            case "+GMR": return "AT version:3.4.0.0(hil-emulator)\r\nSDK version:v5.0\r\ncompile time:hil\r\nBin version:hil\r\n" + Ok;
            case "+CWMODE": return args.Count == 1 && args[0].AsInt() is >= 0 and <= 3 ? Ok : Error;
            case "+CWJAP": return Join(args);
            case "+CWQAP":
                await LeaveAsync(cancellationToken).ConfigureAwait(false);
                return Ok + "WIFI DISCONNECT\r\n";
            case "+MQTTUSERCFG":
                // Client id, user name and password are quoted strings (possibly empty) in ESP-AT; a bare empty field is an error.
                if (args.Count != 8 || args[0].AsInt() != 0 || !args[2].IsString || !args[3].IsString || !args[4].IsString) return Error;
                _state.ClientId = args[2].Text;
                _state.Username = args[3].Text;
                _state.Password = args[4].Text;
                return Ok;
            case "+MQTTCONNCFG":
                if (args.Count != 7 || args[0].AsInt() != 0 || args[1].AsInt() is not { } keepAlive || args[2].AsInt() is not { } disableClean)
                    return Error;
                _state.KeepAliveSeconds = keepAlive == 0 ? 120 : keepAlive;
                _state.CleanSession = disableClean == 0;
                _state.WillTopic = args[3].Text;
                _state.WillMessage = args[4].Text;
                _state.WillQos = args[5].AsInt() ?? 0;
                _state.WillRetain = args[6].AsInt() == 1;
                return Ok;
            case "+MQTTCONN": return await ConnectAsync(args, cancellationToken).ConfigureAwait(false);
            case "+MQTTSUB":
                if (args.Count != 3 || !args[1].IsString || args[2].AsInt() is not { } subQos || !MqttConnected) return Error;
                lock (_gate) if (_state.Subscriptions.Contains(args[1].Text)) return "ALREADY SUBSCRIBE" + Ok;
                if (Uplink is not null && !await Uplink.SubscribeAsync(args[1].Text, subQos, cancellationToken).ConfigureAwait(false)) return Error;
                lock (_gate) _state.Subscriptions.Add(args[1].Text);
                _changed.Notify();
                return Ok;
            case "+MQTTUNSUB":
                if (args.Count != 2 || !args[1].IsString || !MqttConnected) return Error;
                lock (_gate) if (!_state.Subscriptions.Remove(args[1].Text)) return "NO UNSUBSCRIBE" + Ok;
                if (Uplink is not null) await Uplink.UnsubscribeAsync(args[1].Text, cancellationToken).ConfigureAwait(false);
                return Ok;
            case "+MQTTPUB":
                if (args.Count != 5 || !args[1].IsString || !args[2].IsString || !MqttConnected) return Error;
                return await PublishAsync(args[1].Text, System.Text.Encoding.UTF8.GetBytes(args[2].Text), args[3].AsInt() ?? 0,
                    args[4].AsInt() == 1, cancellationToken).ConfigureAwait(false) ? Ok : Error;
            case "+MQTTPUBRAW":
                if (args.Count != 5 || !args[1].IsString || args[2].AsInt() is not (> 0 and <= 8192) || !MqttConnected) return Error;
                _raw = new RawPublish(args[1].Text, args[2].AsInt()!.Value, args[3].AsInt() ?? 0, args[4].AsInt() == 1);
                return Ok + "\r\n>";
            case "+MQTTCLEAN":
                if (args.Count != 1 || args[0].AsInt() != 0) return Error;
                await CloseMqttAsync(cancellationToken).ConfigureAwait(false);
                return Ok;
            default:
                return Error;
        }
    }

    private string Join(IReadOnlyList<AtValue> args)
    {
        if (args.Count < 2 || !args[0].IsString || !args[1].IsString) return Error;
        // ESP-AT error codes: 1 timeout, 2 wrong password, 3 cannot find the target AP, 4 connection failed.
        // An empty SSID names no access point.
        if (!_wifiUp || args[0].Text.Length == 0) return "+CWJAP:3\r\n" + Error;
        if (RefuseJoin) return "+CWJAP:2\r\n" + Error;
        lock (_gate) _state.WifiJoined = true;
        _changed.Notify();
        return "WIFI CONNECTED\r\nWIFI GOT IP\r\n" + Ok;
    }

    private async Task<string> ConnectAsync(IReadOnlyList<AtValue> args, CancellationToken cancellationToken)
    {
        if (args.Count != 4 || args[0].AsInt() != 0 || !args[1].IsString || args[2].AsInt() is not { } port || !WifiJoined)
            return Error;
        if (MqttConnected) return Error; // ESP-AT refuses a second connect on the same link
        if (!_brokerReachable) return Error;
        if (Uplink is not null)
        {
            var session = new ModemMqttSession(args[1].Text, port, _state.ClientId, _state.Username, _state.Password,
                _state.KeepAliveSeconds, _state.CleanSession, _state.WillTopic, _state.WillMessage, _state.WillQos, _state.WillRetain);
            (bool ok, _) = await Uplink.ConnectAsync(session, cancellationToken).ConfigureAwait(false);
            if (!ok) return Error;
        }
        lock (_gate)
        {
            _state.MqttConnected = true;
            _state.Sessions++;
            _state.Subscriptions.Clear();
        }
        _changed.Notify();
        return $"+MQTTCONNECTED:0,1,\"{args[1].Text}\",\"{port}\",\"\",{args[3].Text}\r\n" + Ok;
    }

    private async Task CloseMqttAsync(CancellationToken cancellationToken)
    {
        bool wasConnected;
        lock (_gate)
        {
            wasConnected = _state.MqttConnected;
            _state.MqttConnected = false;
            _state.Subscriptions.Clear();
        }
        if (wasConnected && Uplink is not null) await Uplink.DisconnectAsync(cancellationToken).ConfigureAwait(false);
        _changed.Notify();
    }

    private async Task LeaveAsync(CancellationToken cancellationToken)
    {
        bool wasConnected = MqttConnected;
        lock (_gate) _state.WifiJoined = false;
        if (wasConnected)
        {
            lock (_gate) _state.MqttConnected = false;
            if (Uplink is not null) await Uplink.AbortAsync().ConfigureAwait(false);
        }
        _changed.Notify();
    }

    private async Task ResetAsync(CancellationToken cancellationToken)
    {
        await LeaveAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _state.Echo = true;
            _state.Subscriptions.Clear();
        }
    }
}
