namespace Hil.Simulators.Modem;

/// <summary>The MQTT session a node asked the modem to open (AT+MQTTUSERCFG, AT+MQTTCONNCFG, AT+MQTTCONN).</summary>
public sealed record ModemMqttSession(
    string Host,
    int Port,
    string ClientId,
    string? Username,
    string? Password,
    int KeepAliveSeconds,
    bool CleanSession,
    string? WillTopic,
    string? WillMessage,
    int WillQos,
    bool WillRetain);

/// <summary>
/// Where the modem's MQTT traffic goes: a real broker (<see cref="BrokerUplink"/>). Without an
/// uplink the modem only records what the node publishes.
/// </summary>
public interface IModemUplink : IAsyncDisposable
{
    /// <summary>Opens the session; false (with a reason) when the broker cannot be reached or refuses.</summary>
    Task<(bool Ok, string Reason)> ConnectAsync(ModemMqttSession session, CancellationToken cancellationToken);

    /// <summary>Publishes; for QoS 1 completes when the broker acknowledged. False when the session is gone.</summary>
    Task<bool> PublishAsync(string topic, byte[] payload, int qos, bool retain, CancellationToken cancellationToken);

    Task<bool> SubscribeAsync(string filter, int qos, CancellationToken cancellationToken);
    Task<bool> UnsubscribeAsync(string filter, CancellationToken cancellationToken);

    /// <summary>Closes the session cleanly (DISCONNECT: no last will).</summary>
    Task DisconnectAsync(CancellationToken cancellationToken);

    /// <summary>Drops the session as a lost radio link would (the broker publishes the last will).</summary>
    Task AbortAsync();

    /// <summary>A message for the node arrived on a subscribed topic.</summary>
    event Func<string, byte[], Task>? MessageReceived;

    /// <summary>The session was lost without the modem asking (broker gone, keep-alive expired).</summary>
    event Func<string, Task>? ConnectionLost;
}
