using System.Buffers.Binary;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;

namespace Hil.Cli.Benchmarks;

internal sealed record MqttBenchSettings(int Publishers, int Subscribers, int Messages, int PayloadBytes, int Connections);

/// <summary>One fan-out run: every subscriber receives every publisher's messages.</summary>
internal sealed record ThroughputResult(string Broker, MqttQos Qos, int Expected, int Delivered, TimeSpan Elapsed, double P50Ms, double P99Ms)
{
    public double PerSecond => Delivered / Elapsed.TotalSeconds;
}

internal sealed record ConnectionResult(string Broker, int Wanted, int Held, int? HeldByBroker, TimeSpan OpenTime, double HeapKiBPerConnection, string? FirstError)
{
    public bool AllHeld => Held == Wanted && (HeldByBroker is null || HeldByBroker >= Wanted);
}

/// <summary>
/// MQTT load through a broker with our own client: N publishers to M subscribers (messages per
/// second delivered, end-to-end latency from a timestamp carried in each payload), and many
/// concurrent connections held at once.
/// </summary>
internal static class MqttBenchmark
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);
    private const int PublishWindow = 64;
    private const int ConnectParallelism = 100;

    public static async Task<ThroughputResult> ThroughputAsync(string broker, int port, MqttQos qos, MqttBenchSettings settings,
        CancellationToken cancellationToken)
    {
        TimeProvider time = TimeProvider.System;
        string run = Guid.NewGuid().ToString("N")[..8];
        int perSubscriber = settings.Publishers * settings.Messages;
        int expected = perSubscriber * settings.Subscribers;
        int delivered = 0;
        long lastDelivery = 0;
        var allIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var latencies = new double[settings.Subscribers][];
        var counts = new int[settings.Subscribers];
        var clients = new List<MqttClient>();
        try
        {
            for (int s = 0; s < settings.Subscribers; s++)
            {
                int index = s;
                latencies[index] = new double[perSubscriber];
                MqttClient subscriber = await ConnectAsync(port, $"bench-sub-{run}-{s}", clients, cancellationToken);
                // Handlers of one client run one at a time, so each subscriber writes its own array without locking.
                subscriber.ApplicationMessageReceivedAsync += e =>
                {
                    long sent = BinaryPrimitives.ReadInt64LittleEndian(e.ApplicationMessage.Payload.Span);
                    long now = time.GetTimestamp();
                    if (counts[index] < perSubscriber) latencies[index][counts[index]++] = time.GetElapsedTime(sent, now).TotalMilliseconds;
                    Volatile.Write(ref lastDelivery, now);
                    if (Interlocked.Increment(ref delivered) == expected) allIn.TrySetResult();
                    return Task.CompletedTask;
                };
                await subscriber.SubscribeAsync($"bench/{run}/#", qos, cancellationToken);
            }
            var publishers = new List<MqttClient>();
            for (int p = 0; p < settings.Publishers; p++)
                publishers.Add(await ConnectAsync(port, $"bench-pub-{run}-{p}", clients, cancellationToken));

            long start = time.GetTimestamp();
            await Task.WhenAll(publishers.Select((publisher, p) =>
                PublishAllAsync(publisher, $"bench/{run}/{p}", qos, settings, time, cancellationToken)));
            try
            {
                await allIn.Task.WaitAsync(DeliveryTimeout, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Reported as fewer deliveries than expected; QoS 0 may legitimately lose some under load.
            }
            int got = Volatile.Read(ref delivered);
            TimeSpan elapsed = time.GetElapsedTime(start, got == 0 ? time.GetTimestamp() : Volatile.Read(ref lastDelivery));
            double[] sorted = latencies.SelectMany((l, i) => l.Take(counts[i])).Order().ToArray();
            double p50 = sorted.Length == 0 ? double.NaN : Statistics.Percentile(sorted, 50);
            double p99 = sorted.Length == 0 ? double.NaN : Statistics.Percentile(sorted, 99);
            return new ThroughputResult(broker, qos, expected, got, elapsed, p50, p99);
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    private static async Task PublishAllAsync(MqttClient publisher, string topic, MqttQos qos, MqttBenchSettings settings, TimeProvider time,
        CancellationToken cancellationToken)
    {
        // QoS 1 keeps the in-flight window full with parallel senders; QoS 0 completes on write, so one loop does.
        int lanes = qos == MqttQos.AtMostOnce ? 1 : PublishWindow;
        await Task.WhenAll(Enumerable.Range(0, lanes).Select(async lane =>
        {
            for (int i = lane; i < settings.Messages; i += lanes)
            {
                var payload = new byte[Math.Max(8, settings.PayloadBytes)];
                BinaryPrimitives.WriteInt64LittleEndian(payload, time.GetTimestamp());
                await publisher.PublishAsync(new MqttApplicationMessage(topic, payload, qos), cancellationToken);
            }
        }));
    }

    private static async Task<MqttClient> ConnectAsync(int port, string clientId, List<MqttClient> clients, CancellationToken cancellationToken)
    {
        var client = new MqttClient();
        clients.Add(client);
        MqttClientConnectResult result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithMaxInFlight(PublishWindow).WithTimeout(TimeSpan.FromSeconds(30)).Build(),
            cancellationToken);
        if (!result.IsSuccess) throw new InvalidOperationException($"the broker on 127.0.0.1:{port} refused {clientId}: {result.ResultCode}");
        return client;
    }

    /// <summary>
    /// Opens <paramref name="count"/> connections in this process, reports how many are up at once
    /// on <paramref name="report"/>, waits for <paramref name="release"/>, then closes them all.
    /// </summary>
    public static async Task<ConnectionResult> HoldAsync(string broker, int port, int count, Func<ConnectionResult, Task> report,
        Func<Task> release, CancellationToken cancellationToken)
    {
        TimeProvider time = TimeProvider.System;
        string run = Guid.NewGuid().ToString("N")[..8];
        var clients = new MqttClient?[count];
        string? firstError = null;
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long start = time.GetTimestamp();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, count), parallel, async (i, ct) =>
        {
            var client = new MqttClient();
            clients[i] = client;
            try
            {
                // A long keep-alive: the point is holding connections, not 10,000 pings in the measurement.
                await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId($"bench-conn-{run}-{i}")
                    .WithKeepAlivePeriod(TimeSpan.FromMinutes(5)).WithTimeout(TimeSpan.FromSeconds(30)).Build(), ct);
            }
            catch (Exception e) when (e is IOException or TimeoutException)
            {
                Interlocked.CompareExchange(ref firstError, e.Message, null);
            }
        });
        TimeSpan openTime = time.GetElapsedTime(start);
        int held = clients.Count(c => c?.IsConnected == true);
        double heapPerConnection = (GC.GetTotalMemory(forceFullCollection: true) - heapBefore) / 1024.0 / Math.Max(1, held);
        var result = new ConnectionResult(broker, count, held, null, openTime, heapPerConnection, firstError);
        await report(result);
        await release();
        await Parallel.ForEachAsync(clients.OfType<MqttClient>(), parallel, async (client, _) => await client.DisposeAsync());
        return result;
    }
}
