using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;

namespace Hil.Backend.Ingest;

/// <summary>
/// <see cref="IDeviceLink"/> over the project's MQTT 3.1.1 client: subscribes to the node topics at QoS 1
/// with automatic reconnection (the client restores its subscriptions). Messages are acknowledged once committed.
/// </summary>
public sealed class MqttDeviceLink(MqttClientOptions options, ILogger<MqttDeviceLink> log) : IDeviceLink
{
    private readonly MqttClient _client = new();
    private readonly Queue<long> _losses = new();
    private bool _started;

    public LinkHealth Health
    {
        get
        {
            lock (_losses)
            {
                while (_losses.Count > 0 && options.TimeProvider.GetElapsedTime(_losses.Peek()) > TimeSpan.FromMinutes(1)) _losses.Dequeue();
                return new LinkHealth(_client.IsConnected, _losses.Count);
            }
        }
    }

    public event Action? Reconnected;

    public async Task StartAsync(Func<DeviceMessage, CancellationToken, Task> onMessage, CancellationToken cancellationToken = default)
    {
        _client.ApplicationMessageReceivedAsync += async e =>
        {
            var message = new DeviceMessage(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload);
            await onMessage(message, CancellationToken.None);
            // The PUBACK waits for the commit without holding up the next messages: until then the broker keeps its copy.
            if (message.Stored is { } stored) e.AcknowledgeWhen(stored);
        };
        _client.DisconnectedAsync += e =>
        {
            if (e.ClientInitiated) return Task.CompletedTask;
            log.LogWarning("Broker connection lost: {Reason}", e.Reason);
            lock (_losses)
            {
                _losses.Enqueue(options.TimeProvider.GetTimestamp());
                while (_losses.Count > 100) _losses.Dequeue(); // a minute's worth is all Health reads
            }
            return Task.CompletedTask;
        };
        _client.ConnectedAsync += _ =>
        {
            if (Volatile.Read(ref _started)) Reconnected?.Invoke();
            return Task.CompletedTask;
        };
        var result = await _client.ConnectAsync(options, cancellationToken);
        if (!result.IsSuccess)
            throw new InvalidOperationException($"the broker at {options.Host}:{options.Port} refused the backend: {result.ResultCode}");
        // Once: after a reconnect the client itself restores what the broker lost.
        var subscriptions = DeviceTopics.Subscriptions.Select(t => new TopicSubscription(t, MqttQos.AtLeastOnce)).ToList();
        await _client.SubscribeAsync(subscriptions, cancellationToken);
        Volatile.Write(ref _started, true);
    }

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain = false, CancellationToken cancellationToken = default)
    {
        var result = await _client.PublishAsync(new MqttApplicationMessage(topic, payload, MqttQos.AtLeastOnce, retain), cancellationToken);
        if (!result.IsSuccess) throw new IOException($"publish to {topic} failed: {result.ReasonString}");
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
