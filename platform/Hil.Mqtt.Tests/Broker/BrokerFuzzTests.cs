using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Broker;

/// <summary>
/// 100,000 random and mutated packets (deterministic seed) over a few thousand short connections,
/// while a well-behaved pair keeps exchanging QoS 1 messages through the same broker.
/// </summary>
public sealed partial class BrokerFuzzTests
{
    private const int TotalPackets = 100_000;
    private const int Workers = 8;
    private const int PacketsPerConnection = 50;

    [Test]
    [CancelAfter(60_000)]
    public async Task MalformedTrafficClosesOnlyTheOffendingConnectionsEachWithALoggedReason()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        var pair = new ExchangingPair(fixture.Port);
        await pair.StartAsync();

        int sent = 0;
        var connections = new ConcurrentBag<(string EndPoint, bool ClosedByBroker)>();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(1234 + worker);
            var corpus = new FuzzCorpus(random);
            int attempt = 0;
            while (Interlocked.Add(ref sent, 0) < TotalPackets)
            {
                var result = await FuzzOneConnectionAsync(fixture.Port, corpus, random, $"fz{worker}-{attempt++}", () => Interlocked.Increment(ref sent));
                connections.Add(result);
            }
        })));
        await pair.StopBackgroundAsync();
        int exchangedDuringFuzzing = pair.Exchanged;
        await pair.ExchangeAsync(100);
        await pair.DisposeAsync();

        Assert.That(exchangedDuringFuzzing, Is.GreaterThan(0), "the well-behaved pair exchanged messages while fuzzing");
        Assert.That(fixture.Broker.IsRunning, Is.True);

        // Every fuzz connection, whoever closed it, ends in exactly one "closed: <reason>" log line.
        var expected = connections.GroupBy(c => c.EndPoint).ToDictionary(g => g.Key, g => g.Count());
        Dictionary<string, List<string>> ReasonsByEndPoint() => fixture.Log
            .Select(line => CloseLine().Match(line)).Where(m => m.Success && expected.ContainsKey(m.Groups[1].Value))
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Select(m => m.Groups[2].Value).ToList());
        await fixture.WaitForAsync(() => ReasonsByEndPoint().Sum(r => r.Value.Count) >= connections.Count,
            $"a close line for each of the {connections.Count} fuzz connections", TimeSpan.FromSeconds(20));
        Dictionary<string, List<string>> reasons = ReasonsByEndPoint();
        Assert.That(reasons.ToDictionary(r => r.Key, r => r.Value.Count), Is.EquivalentTo(expected), "one close line per connection");
        Assert.That(reasons.Values.SelectMany(r => r), Has.All.Not.Empty);

        List<string> allReasons = [.. reasons.Values.SelectMany(r => r)];
        var closedByBroker = connections.Where(c => c.ClosedByBroker).Select(c => c.EndPoint).ToHashSet();
        List<string> brokerReasons = [.. closedByBroker.SelectMany(ep => reasons[ep])];
        Assert.That(brokerReasons, Has.None.StartsWith("closed by the peer"), "a close the broker made names its own reason");
        Assert.That(allReasons, Has.None.StartsWith("internal error"));
        TestContext.Out.WriteLine($"{sent} packets over {connections.Count} connections; {closedByBroker.Count} seen closed by the broker; " +
            $"pair exchanged {exchangedDuringFuzzing} messages during fuzzing. Reasons seen:\n  " +
            string.Join("\n  ", allReasons.Select(r => Regex.Replace(r, "'[^']*'|\\d+", "_")).GroupBy(r => r).OrderByDescending(g => g.Count()).Take(25).Select(g => $"{g.Count(),6} {g.Key}")));
        Assert.That(allReasons.Count(r => r.StartsWith("protocol error:", StringComparison.Ordinal)), Is.GreaterThan(connections.Count * 3 / 4));
    }

    /// <summary>
    /// Sends one batch, then half-closes and waits for the broker to close its side: every byte
    /// reaches the parser (a reset would make the kernel discard what the broker had not read yet).
    /// Returns whether the broker closed before reading to the end (a reason other than the half-close).
    /// </summary>
    private static async Task<(string, bool)> FuzzOneConnectionAsync(int port, FuzzCorpus corpus, Random random, string clientId, Func<int> countPacket)
    {
        using var tcp = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        string endPoint = tcp.Client.LocalEndPoint!.ToString()!;
        NetworkStream stream = tcp.GetStream();
        Task draining = DrainAsync(stream);
        if (random.NextDouble() < 0.7)
        {
            await stream.WriteAsync(MqttCodec.Encode(new ConnectPacket(clientId, true, (ushort)random.Next(0, 120))));
            countPacket();
        }
        for (int i = 0; i < PacketsPerConnection && !draining.IsCompleted; i++)
        {
            try
            {
                await stream.WriteAsync(corpus.Next());
            }
            catch (IOException)
            {
                break; // the broker closed it under us
            }
            countPacket();
        }
        bool closedBeforeTheEnd = draining.IsCompleted;
        try
        {
            tcp.Client.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            closedBeforeTheEnd = true;
        }
        await draining.WaitAsync(TimeSpan.FromSeconds(15));
        return (endPoint, closedBeforeTheEnd);
    }

    private static async Task DrainAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer) > 0) { }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // Reset or closed by us: either way the connection is over.
        }
    }

    [GeneratedRegex(@"^connection (\S+) client '.*' closed: (.*)$", RegexOptions.Singleline)]
    private static partial Regex CloseLine();

    /// <summary>A publisher and a subscriber exchanging numbered QoS 1 messages, each awaited in order.</summary>
    private sealed class ExchangingPair(int port)
    {
        private RawMqttConnection? _publisher;
        private RawMqttConnection? _subscriber;
        private readonly CancellationTokenSource _stop = new();
        private Task _running = Task.CompletedTask;
        private int _exchanged;

        public int Exchanged => Volatile.Read(ref _exchanged);

        public async Task StartAsync()
        {
            _subscriber = await RawMqttConnection.ConnectAsync(port, "pair-subscriber", keepAlive: 60);
            await _subscriber.SubscribeAsync("pair/data", MqttQos.AtLeastOnce);
            _publisher = await RawMqttConnection.ConnectAsync(port, "pair-publisher", keepAlive: 60);
            _running = Task.Run(async () => { while (!_stop.IsCancellationRequested) await ExchangeAsync(1); });
        }

        public async Task ExchangeAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                int n = Interlocked.Increment(ref _exchanged);
                await _publisher!.PublishAsync("pair/data", $"{n}", MqttQos.AtLeastOnce, packetId: (ushort)(n % 60_000 + 1));
                Assert.That(await _publisher.ReceiveAsync(), Is.InstanceOf<PacketIdPacket>());
                PublishPacket received = await _subscriber!.ReceivePublishAsync();
                Assert.That(Encoding.UTF8.GetString(received.Payload.Span), Is.EqualTo($"{n}"), "the pair's messages arrive in order");
            }
        }

        public async Task StopBackgroundAsync()
        {
            _stop.Cancel();
            await _running;
        }

        public async Task DisposeAsync()
        {
            await _publisher!.DisposeAsync();
            await _subscriber!.DisposeAsync();
        }
    }
}
