using System.Collections.Concurrent;
using System.Text.Json;
using Hil.Harness.Support;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;

namespace Hil.Harness.Tests.Support;

/// <summary>A platform-side MQTT subscriber that keeps every message it receives, in arrival order.</summary>
public sealed class TelemetrySubscriber : IAsyncDisposable
{
    private readonly MqttClient _client = new();
    private readonly ConcurrentQueue<MqttApplicationMessage> _messages = new();
    private readonly ChangeSignal _changed = new();

    private TelemetrySubscriber() { }

    public MqttClient Client => _client;

    public IReadOnlyList<MqttApplicationMessage> Messages => _messages.ToArray();

    /// <summary>Connects with a persistent session (so a broker restart loses nothing) and subscribes at QoS 1.</summary>
    public static async Task<TelemetrySubscriber> StartAsync(int brokerPort, params string[] filters)
    {
        var subscriber = new TelemetrySubscriber();
        subscriber._client.ApplicationMessageReceivedAsync += e =>
        {
            subscriber._messages.Enqueue(e.ApplicationMessage);
            subscriber._changed.Notify();
            return Task.CompletedTask;
        };
        MqttClientOptions options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", brokerPort)
            .WithClientId($"platform-{Guid.NewGuid():N}"[..20])
            .WithCleanSession(false)
            .WithAutoReconnect(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500))
            .Build();
        MqttClientConnectResult result = await subscriber._client.ConnectAsync(options);
        Assert.That(result.IsSuccess, Is.True, $"subscriber connect: {result.ResultCode}");
        foreach (string filter in filters) await subscriber._client.SubscribeAsync(filter, MqttQos.AtLeastOnce);
        return subscriber;
    }

    public async Task<MqttApplicationMessage> WaitForAsync(Func<MqttApplicationMessage, bool> predicate, string awaited, TimeSpan timeout)
    {
        MqttApplicationMessage? found = null;
        bool ok = await _changed.WaitUntilAsync(() => (found = _messages.FirstOrDefault(predicate)) is not null, timeout, TimeProvider.System);
        if (!ok)
            throw new TimeoutException($"The subscriber received no message {awaited} within {timeout.TotalSeconds} s; it has {_messages.Count}: " +
                                       string.Join("; ", _messages.TakeLast(5).Select(m => $"{m.Topic} {m.PayloadText}")));
        return found!;
    }

    /// <summary>The (boot, seq) pairs of the v2/v3 telemetry received on <paramref name="topic"/>, in arrival order.</summary>
    public IReadOnlyList<(long Boot, long Seq)> TelemetrySequence(string topic) =>
        _messages.Where(m => m.Topic == topic).Select(m =>
        {
            using JsonDocument json = JsonDocument.Parse(m.Payload);
            return (json.RootElement.GetProperty("boot").GetInt64(), json.RootElement.GetProperty("seq").GetInt64());
        }).ToArray();

    public async ValueTask DisposeAsync() => await _client.DisposeAsync();
}
