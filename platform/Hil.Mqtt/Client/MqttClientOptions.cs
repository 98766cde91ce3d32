using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Client;

/// <summary>How a client connects (build with <see cref="MqttClientOptionsBuilder"/>).</summary>
public sealed record MqttClientOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 1883;
    public string ClientId { get; init; } = "";
    public bool CleanSession { get; init; } = true;
    public TimeSpan KeepAlivePeriod { get; init; } = TimeSpan.FromSeconds(60);
    public string? Username { get; init; }
    public byte[]? Password { get; init; }
    public MqttWill? Will { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most QoS 1 publishes awaiting PUBACK at once; further publishes wait (back-pressure).</summary>
    public int MaxInFlight { get; init; } = 64;

    /// <summary>Reconnect after an unexpected loss, with exponential backoff between these bounds.</summary>
    public bool AutoReconnect { get; init; }
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxPacketSize { get; init; } = MqttPacketReader.DefaultMaxPacketSize;
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where the client reports what has no caller to throw to: failed reconnects, failing event handlers.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>Fluent construction of <see cref="MqttClientOptions"/>, shaped like MQTTnet's.</summary>
public sealed class MqttClientOptionsBuilder
{
    private MqttClientOptions _options = new();

    public MqttClientOptionsBuilder WithTcpServer(string host, int port = 1883) { _options = _options with { Host = host, Port = port }; return this; }
    public MqttClientOptionsBuilder WithClientId(string clientId) { _options = _options with { ClientId = clientId }; return this; }
    public MqttClientOptionsBuilder WithCleanSession(bool clean = true) { _options = _options with { CleanSession = clean }; return this; }
    public MqttClientOptionsBuilder WithKeepAlivePeriod(TimeSpan period) { _options = _options with { KeepAlivePeriod = period }; return this; }
    public MqttClientOptionsBuilder WithTimeout(TimeSpan timeout) { _options = _options with { Timeout = timeout }; return this; }
    public MqttClientOptionsBuilder WithMaxInFlight(int count) { _options = _options with { MaxInFlight = count }; return this; }
    public MqttClientOptionsBuilder WithTimeProvider(TimeProvider time) { _options = _options with { TimeProvider = time }; return this; }
    public MqttClientOptionsBuilder WithLog(Action<string> log) { _options = _options with { Log = log }; return this; }

    public MqttClientOptionsBuilder WithCredentials(string username, string? password = null)
    {
        _options = _options with { Username = username, Password = password is null ? null : System.Text.Encoding.UTF8.GetBytes(password) };
        return this;
    }

    public MqttClientOptionsBuilder WithWill(string topic, string payload, MqttQos qos = MqttQos.AtMostOnce, bool retain = false)
    {
        _options = _options with { Will = new MqttWill(topic, System.Text.Encoding.UTF8.GetBytes(payload), qos, retain) };
        return this;
    }

    public MqttClientOptionsBuilder WithAutoReconnect(TimeSpan? minDelay = null, TimeSpan? maxDelay = null)
    {
        _options = _options with
        {
            AutoReconnect = true,
            ReconnectMinDelay = minDelay ?? _options.ReconnectMinDelay,
            ReconnectMaxDelay = maxDelay ?? _options.ReconnectMaxDelay,
        };
        return this;
    }

    public MqttClientOptions Build() => _options;
}
