using System.Collections.Concurrent;
using Hil.Mqtt.Broker;

namespace Hil.Mqtt.Tests.Broker;

/// <summary>A broker on a free loopback port with its log collected, and condition waits with evidence.</summary>
internal sealed class BrokerFixture : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _log = new();

    private BrokerFixture(MqttBroker broker) => Broker = broker;

    public MqttBroker Broker { get; }
    public int Port => Broker.Port;
    public IReadOnlyList<string> Log => [.. _log];

    public static async Task<BrokerFixture> StartAsync(Func<MqttBrokerOptions, MqttBrokerOptions>? configure = null)
    {
        BrokerFixture? fixture = null;
        var options = new MqttBrokerOptions { Log = line => fixture!._log.Enqueue(line) };
        fixture = new BrokerFixture(new MqttBroker(configure?.Invoke(options) ?? options));
        await fixture.Broker.StartAsync();
        return fixture;
    }

    /// <summary>Polls <paramref name="condition"/> until true; the timeout names what was awaited and shows the log tail.</summary>
    public async Task WaitForAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(10);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
                Assert.Fail($"timed out after {limit.TotalSeconds} s waiting for {what}; broker log tail:\n  {string.Join("\n  ", Log.TakeLast(15))}");
            await Task.Delay(10);
        }
    }

    public Task WaitForLogAsync(string fragment, TimeSpan? timeout = null) =>
        WaitForAsync(() => _log.Any(l => l.Contains(fragment, StringComparison.Ordinal)), $"a log line containing \"{fragment}\"", timeout);

    public Task WaitForSubscriptionAsync(string clientId, string filter) =>
        WaitForAsync(() => Broker.GetSubscriptions(clientId).Any(s => s.Filter == filter), $"'{clientId}' subscribed to '{filter}'");

    public async ValueTask DisposeAsync() => await Broker.DisposeAsync();
}
