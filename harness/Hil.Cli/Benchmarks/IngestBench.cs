using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Hil.Backend.Hosting;
using Hil.Backend.Operations;
using Hil.Backend.Storage;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hil.Cli.Benchmarks;

/// <summary>
/// Telemetry ingest end to end: MQTT publish (QoS 1) → embedded broker → backend → committed row, into SQLite
/// and into a scratch PostgreSQL. Throughput with publishers flat out; latency at a fixed message rate.
/// </summary>
internal static class IngestBench
{
    /// <param name="PublishSeconds">Saturated run: until the publishers had every PUBACK from the broker.</param>
    /// <param name="MeanBatch">Saturated run: rows per database batch, and the mean time of one batch write.</param>
    /// <param name="AchievedRate">Latency run: messages/s actually offered (the pacing's own accuracy under load).</param>
    /// <param name="ProcessCpuPerRow">Saturated run: CPU µs per row of this process (publishers, broker, backend) and of the PostgreSQL server.</param>
    public sealed record Result(string Storage, int Messages, double RowsPerSecond, double PublishSeconds, double MeanBatch, double MeanWriteMs,
        double ProcessCpuPerRow, double DatabaseCpuPerRow, string LoadSaturated, int WarmUpRounds, int Rate, double AchievedRate, double P50Ms, double P99Ms, string LoadPaced);

    public static async Task<Result> RunAsync(string storage, int messages, int rate, CancellationToken cancellationToken)
    {
        string data = Directory.CreateTempSubdirectory("hil-bench-").FullName;
        ScratchPostgres? postgres = storage == "postgres" ? await ScratchPostgres.StartAsync(durable: true) : null;
        try
        {
            var options = new BackendOptions
            {
                HttpUrl = "http://127.0.0.1:0", DataDirectory = data, LogLevel = LogLevel.Warning,
                PostgresConnectionString = postgres is null ? null : await postgres.CreateDatabaseAsync(),
                RateLimitPermits = int.MaxValue,
            };
            await using var platform = await PlatformHost.StartAsync(options, cancellationToken: cancellationToken);
            var metrics = platform.Backend.Services.GetRequiredService<BackendMetrics>();
            var live = platform.Backend.Services.GetRequiredService<LiveFeed>();

            int warmUpRounds = await WarmUpAsync(platform, metrics, cancellationToken);

            // (a) Saturated: four publishers flat out (each keeping up to 1000 QoS 1 messages in flight), a bounded count.
            long before = metrics.Stored, batchesBefore = metrics.Batches, rowsBefore = metrics.BatchRows;
            var writeBefore = metrics.WriteTime;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var databaseCpuBefore = postgres?.ServerCpuTime() ?? TimeSpan.Zero;
            int total = messages / 4 * 4;
            var clock = Stopwatch.StartNew();
            var publishers = Enumerable.Range(0, 4).Select(p =>
                PublishAsync(platform, $"0000000001{p:x2}", 0, messages / 4, 0, null, cancellationToken)).ToArray();
            await Task.WhenAll(publishers);
            double publishSeconds = clock.Elapsed.TotalSeconds;
            await WaitStoredAsync(metrics, before + total, cancellationToken);
            double rowsPerSecond = total / clock.Elapsed.TotalSeconds;
            long batches = Math.Max(1, metrics.Batches - batchesBefore);
            double meanBatch = (double)(metrics.BatchRows - rowsBefore) / batches;
            double meanWriteMs = (metrics.WriteTime - writeBefore).TotalMilliseconds / batches;
            // CPU per row does not depend on how many other jobs share the machine the way wall time does.
            double processCpuPerRow = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / total;
            double databaseCpuPerRow = ((postgres?.ServerCpuTime() ?? TimeSpan.Zero) - databaseCpuBefore).TotalMicroseconds / total;
            string loadSaturated = MachineLoad.Average();

            // (b) Latency at a fixed offered rate: publish time to the live feed's event, which the pipeline raises right after the commit.
            var published = new ConcurrentDictionary<long, long>();
            var latencies = new ConcurrentBag<double>();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var subscription = Task.Run(async () =>
            {
                try
                {
                    await foreach (var item in live.SubscribeAsync(stop.Token))
                        if (item.Data is Backend.Protocol.TelemetryMessage { NodeId: "000000000200", Seq: { } seq } && published.TryGetValue(seq, out long sent))
                            latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                }
                catch (OperationCanceledException) { }
            }, CancellationToken.None);
            while (live.SubscriberCount == 0) await Task.Yield();
            int paced = rate * 5;
            before = metrics.Stored;
            clock.Restart();
            await PublishAsync(platform, "000000000200", 0, paced, rate, published, cancellationToken);
            double achievedRate = paced / clock.Elapsed.TotalSeconds;
            await WaitStoredAsync(metrics, before + paced, cancellationToken);
            await stop.CancelAsync();
            await subscription;
            double[] sorted = latencies.Order().ToArray();
            return new Result(storage, total, rowsPerSecond, publishSeconds, meanBatch, meanWriteMs, processCpuPerRow, databaseCpuPerRow, loadSaturated, warmUpRounds,
                rate, achievedRate, Statistics.Percentile(sorted, 50), Statistics.Percentile(sorted, 99), MachineLoad.Average());
        }
        finally
        {
            if (postgres is not null) await postgres.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>
    /// Rounds of the measured run's traffic (4 × 2,500 messages) until a round leaves the JIT with (almost) nothing left
    /// to compile: the runtime first runs quickly compiled, then instrumented code and recompiles what is hot in the
    /// background, which in a cold process costs more CPU than the ingest itself (about 90 µs a row instead of 25 here).
    /// The figures are the steady state a running backend is in. Also warms the connection pools and the first partition.
    /// </summary>
    private static async Task<int> WarmUpAsync(PlatformHost platform, BackendMetrics metrics, CancellationToken cancellationToken)
    {
        const int MaxRounds = 12, Settled = 20;
        for (int round = 1; ; round++)
        {
            long compiledBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
            long target = metrics.Stored + 10_000;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(p => PublishAsync(platform, $"0000000000{p:x2}", round, 2500, 0, null, cancellationToken)));
            await WaitStoredAsync(metrics, target, cancellationToken);
            // The background compiler finishes what the round queued: the count stops moving.
            long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            for (var quiet = Stopwatch.StartNew(); quiet.ElapsedMilliseconds < 300; await Task.Delay(50, cancellationToken))
            {
                long now = System.Runtime.JitInfo.GetCompiledMethodCount();
                if (now != compiled) (compiled, quiet) = (now, Stopwatch.StartNew());
            }
            if (compiled - compiledBefore < Settled || round == MaxRounds) return round;
        }
    }

    /// <summary>Publishes v2 messages at QoS 1; with a rate, in 10 ms slices (timers cannot pace 0.5 ms apart).</summary>
    private static async Task PublishAsync(PlatformHost platform, string node, int boot, int count, int rate,
        ConcurrentDictionary<long, long>? published, CancellationToken cancellationToken)
    {
        await using var client = new MqttClient();
        var connect = await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(platform.MqttHost, platform.MqttPort)
            .WithClientId($"bench-{node}").WithMaxInFlight(1000).Build(), cancellationToken);
        if (!connect.IsSuccess) throw new InvalidOperationException($"bench publisher refused: {connect.ResultCode}");
        string topic = $"devices/{node}/telemetry";
        var clock = Stopwatch.StartNew();
        var pending = new List<Task>();
        for (int seq = 0; seq < count; seq++)
        {
            if (rate > 0)
            {
                double due = seq * 1000.0 / rate;
                while (clock.Elapsed.TotalMilliseconds < due) await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, due - clock.Elapsed.TotalMilliseconds)), cancellationToken);
            }
            byte[] payload = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"{{\"v\":2,\"node_id\":\"{node}\",\"fw\":\"bench\",\"boot\":{boot},\"seq\":{seq},\"uptime_ms\":{seq},\"temperature_c\":21.5,\"humidity_pct\":55.0,\"battery_mv\":3700,\"rssi_dbm\":-60,\"error_flags\":0}}"));
            published?.TryAdd(seq, Stopwatch.GetTimestamp());
            pending.Add(client.PublishAsync(new MqttApplicationMessage(topic, payload, MqttQos.AtLeastOnce), cancellationToken));
            if (pending.Count >= 500) { await Task.WhenAll(pending); pending.Clear(); }
        }
        await Task.WhenAll(pending);
        await client.DisconnectAsync(cancellationToken);
    }

    private static async Task WaitStoredAsync(BackendMetrics metrics, long target, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        while (metrics.Stored < target)
        {
            if (timeout.IsCancellationRequested) throw new TimeoutException($"ingest stalled: {metrics.Stored} of {target} rows committed after 2 minutes");
            await Task.Delay(1, CancellationToken.None);
        }
    }
}
