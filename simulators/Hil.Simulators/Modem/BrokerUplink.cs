using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;

namespace Hil.Simulators.Modem;

/// <summary>
/// Bridges the modem to a real MQTT broker (ours or Mosquitto) through <see cref="MqttClient"/>.
/// Whatever host the firmware names (a DNS name on a real network), the session goes to the
/// configured broker endpoint on loopback.
/// </summary>
public sealed class BrokerUplink(string brokerHost, int brokerPort, TimeProvider? timeProvider = null) : IModemUplink
{
    private MqttClient? _client;

    public event Func<string, byte[], Task>? MessageReceived;
    public event Func<string, Task>? ConnectionLost;

    public string BrokerHost { get; } = brokerHost;
    public int BrokerPort { get; } = brokerPort;

    public async Task<(bool Ok, string Reason)> ConnectAsync(ModemMqttSession session, CancellationToken cancellationToken)
    {
        await AbortAsync().ConfigureAwait(false);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(BrokerHost, BrokerPort)
            .WithClientId(session.ClientId)
            .WithCleanSession(session.CleanSession)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(session.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithTimeProvider(timeProvider ?? TimeProvider.System);
        if (!string.IsNullOrEmpty(session.Username)) builder.WithCredentials(session.Username, session.Password);
        if (!string.IsNullOrEmpty(session.WillTopic))
            builder.WithWill(session.WillTopic, session.WillMessage ?? "", (MqttQos)Math.Min(session.WillQos, 1), session.WillRetain);
        var client = new MqttClient();
        client.ApplicationMessageReceivedAsync += e =>
            MessageReceived?.Invoke(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray()) ?? Task.CompletedTask;
        client.DisconnectedAsync += e =>
            e.ClientInitiated || !ReferenceEquals(client, _client) ? Task.CompletedTask
                : ConnectionLost?.Invoke(e.Reason) ?? Task.CompletedTask;
        try
        {
            MqttClientConnectResult result = await client.ConnectAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                await client.DisposeAsync().ConfigureAwait(false);
                return (false, $"broker refused the connection: {result.ResultCode}");
            }
        }
        catch (Exception e) when (e is IOException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            return (false, e.Message);
        }
        _client = client;
        return (true, "");
    }

    public async Task<bool> PublishAsync(string topic, byte[] payload, int qos, bool retain, CancellationToken cancellationToken)
    {
        if (_client is not { IsConnected: true } client) return false;
        try
        {
            MqttClientPublishResult result = await client
                .PublishAsync(new MqttApplicationMessage(topic, payload, (MqttQos)Math.Min(qos, 1), retain), cancellationToken)
                .ConfigureAwait(false);
            return result.IsSuccess;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    public async Task<bool> SubscribeAsync(string filter, int qos, CancellationToken cancellationToken)
    {
        if (_client is not { IsConnected: true } client) return false;
        try
        {
            MqttClientSubscribeResult result = await client.SubscribeAsync(filter, (MqttQos)Math.Min(qos, 1), cancellationToken).ConfigureAwait(false);
            return result.ReturnCodes.All(code => code != SubAckPacket.Failure);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException)
        {
            return false;
        }
    }

    public async Task<bool> UnsubscribeAsync(string filter, CancellationToken cancellationToken)
    {
        if (_client is not { IsConnected: true } client) return false;
        try
        {
            await client.UnsubscribeAsync(filter, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException)
        {
            return false;
        }
    }

    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        MqttClient? client = Interlocked.Exchange(ref _client, null);
        if (client is null) return;
        try
        {
            if (client.IsConnected) await client.DisconnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException) { }
        await client.DisposeAsync().ConfigureAwait(false);
    }

    public async Task AbortAsync()
    {
        MqttClient? client = Interlocked.Exchange(ref _client, null);
        if (client is null) return;
        client.Abort();
        await client.DisposeAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => new(AbortAsync());
}
