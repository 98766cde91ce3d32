using Hil.Mqtt.Client;

namespace Hil.Mqtt.Tests.Support;

/// <summary>
/// Records what a client receives and lets a test wait for a condition on it, with a timeout
/// whose failure lists what arrived instead.
/// </summary>
public sealed class MessageCollector
{
    private readonly object _gate = new();
    private readonly List<MqttApplicationMessage> _messages = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MessageCollector(MqttClient client) => client.ApplicationMessageReceivedAsync += e =>
    {
        Add(e.ApplicationMessage);
        return Task.CompletedTask;
    };

    public IReadOnlyList<MqttApplicationMessage> Messages
    {
        get { lock (_gate) return _messages.ToArray(); }
    }

    public IReadOnlyList<MqttApplicationMessage> On(string topic) => Messages.Where(m => m.Topic == topic).ToArray();

    public void Add(MqttApplicationMessage message)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _messages.Add(message);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Waits until <paramref name="condition"/> holds over the messages so far.</summary>
    public async Task<IReadOnlyList<MqttApplicationMessage>> WaitUntilAsync(Func<IReadOnlyList<MqttApplicationMessage>, bool> condition,
        string awaited, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(10);
        long start = TimeProvider.System.GetTimestamp();
        while (true)
        {
            Task changed;
            IReadOnlyList<MqttApplicationMessage> snapshot;
            lock (_gate)
            {
                changed = _changed.Task;
                snapshot = _messages.ToArray();
            }
            if (condition(snapshot)) return snapshot;
            TimeSpan left = limit - TimeProvider.System.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {awaited}; received: {Describe(snapshot)}");
            try
            {
                await changed.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                // Checked once more at the top of the loop, then reported with what was received.
            }
        }
    }

    public async Task<MqttApplicationMessage> WaitForAsync(string topic, TimeSpan? timeout = null) =>
        (await WaitUntilAsync(ms => ms.Any(m => m.Topic == topic), $"a message on '{topic}'", timeout)).First(m => m.Topic == topic);

    public Task<IReadOnlyList<MqttApplicationMessage>> WaitForCountAsync(string topic, int count, TimeSpan? timeout = null) =>
        WaitUntilAsync(ms => ms.Count(m => m.Topic == topic) >= count, $"{count} message(s) on '{topic}'", timeout);

    private static string Describe(IReadOnlyList<MqttApplicationMessage> messages) => messages.Count == 0
        ? "nothing"
        : string.Join(", ", messages.TakeLast(10).Select(m => $"{m.Topic}='{m.PayloadText}' (QoS {(int)m.Qos}{(m.Retain ? ", retained" : "")})"));
}
