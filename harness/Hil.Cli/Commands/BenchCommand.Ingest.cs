using System.CommandLine;
using System.Globalization;
using System.Text;
using Hil.Cli.Benchmarks;

namespace Hil.Cli.Commands;

internal static partial class BenchCommand
{
    private const double RowsGoal = 20_000, P99GoalMs = 50;

    private static Command CreateIngest(Option<bool> noRecord)
    {
        var messages = new Option<int>("--messages") { Description = "Messages for the throughput run", DefaultValueFactory = _ => 40_000 };
        var rate = new Option<int>("--rate") { Description = "Message rate (msg/s) for the latency run, 5 s long", DefaultValueFactory = _ => 2000 };
        var storages = new Option<string[]>("--storage") { Description = "Databases to measure", DefaultValueFactory = _ => ["sqlite", "postgres"], AllowMultipleArgumentsPerToken = true };
        var ingest = new Command("ingest", "Telemetry rows/s and p50/p99 latency from MQTT publish to committed row (goal on PostgreSQL: >= 20,000 rows/s, p99 <= 50 ms at 2,000 msg/s)")
            { messages, rate, storages, noRecord };
        ingest.SetAction((parse, ct) => CliErrors.GuardAsync(() =>
            IngestAsync(parse.GetValue(messages), parse.GetValue(rate), parse.GetValue(storages)!, !parse.GetValue(noRecord), ct)));
        return ingest;
    }

    private static async Task<int> IngestAsync(int messages, int rate, string[] storages, bool record, CancellationToken cancellationToken)
    {
        if (messages < 100) throw new ArgumentException("--messages must be at least 100");
        if (rate < 1) throw new ArgumentException("--rate must be at least 1");
        foreach (string storage in storages)
            if (storage is not ("sqlite" or "postgres")) throw new ArgumentException($"--storage takes sqlite and/or postgres, got '{storage}'");
        string loadBefore = MachineLoad.Average();
        var results = new List<IngestBench.Result>();
        foreach (string storage in storages)
        {
            Console.Error.WriteLine($"hil: ingest into {storage}: {messages} messages flat out, then {rate} msg/s for 5 s (load average {MachineLoad.Average()})");
            results.Add(await IngestBench.RunAsync(storage, messages, rate, cancellationToken));
        }
        static string F(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);
        var saturated = new StringBuilder();
        saturated.AppendLine("| storage | messages | rows/s (saturated) | publishers done (s) | rows per batch | ms per batch | CPU µs/row: hil process | CPU µs/row: PostgreSQL | warm-up rounds | load average (1/5/15 min) | goal | verdict |");
        saturated.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        var paced = new StringBuilder();
        paced.AppendLine("| storage | offered rate (msg/s) | achieved (msg/s) | p50 (ms) | p99 (ms) | load average (1/5/15 min) | goal | verdict |");
        paced.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        bool allMet = true;
        foreach (var r in results)
        {
            bool postgres = r.Storage == "postgres";
            bool rowsMet = !postgres || r.RowsPerSecond >= RowsGoal, latencyMet = !postgres || r.P99Ms <= P99GoalMs;
            allMet &= rowsMet && latencyMet;
            saturated.AppendLine($"| {r.Storage} | {r.Messages} | {F(r.RowsPerSecond)} | {F(r.PublishSeconds)} | {F(r.MeanBatch)} | {F(r.MeanWriteMs)} | {F(r.ProcessCpuPerRow)} | " +
                                 $"{(postgres ? F(r.DatabaseCpuPerRow) : "—")} | {r.WarmUpRounds} | {r.LoadSaturated} | " +
                                 $"{(postgres ? "≥ 20000 rows/s" : "—")} | {(postgres ? rowsMet ? "meets goal" : "MISSES goal" : "—")} |");
            paced.AppendLine($"| {r.Storage} | {r.Rate} | {F(r.AchievedRate)} | {F(r.P50Ms)} | {F(r.P99Ms)} | {r.LoadPaced} | " +
                             $"{(postgres ? "p99 ≤ 50 ms at 2000 msg/s" : "—")} | {(postgres ? latencyMet ? "meets goal" : "MISSES goal" : "—")} |");
        }
        string text = saturated.ToString() + "\n" + paced.ToString().TrimEnd();
        Console.WriteLine(text);
        if (record)
        {
            string file = BenchmarkLog.Record("Telemetry ingest",
                "`./hil bench ingest`: v2 telemetry published at QoS 1 to the embedded broker, ingested by the backend in the same " +
                "process and committed (batched; binary COPY on PostgreSQL); the backend acknowledges each message to the broker once it is committed, and the broker acknowledges it to its " +
                "publisher only then (a PUBACK means stored), so \"publishers done\" is when the last row was committed. " +
                "Both run after warm-up rounds of the same traffic (4 × 2,500 messages each) until a round leaves the JIT almost nothing to " +
                "compile (fewer than 20 methods): the steady state of a running backend; in a cold process the runtime's tiered compilation " +
                "costs more CPU than the ingest (about 90 µs a row against 25 µs measured with tiering off). First table, saturated: four publishers flat out (up to 1000 QoS 1 messages in flight each), a bounded count, timed until the last row is " +
                "committed; rows per batch and ms per batch are the writers' means; CPU µs per row is the CPU time the run cost, divided by the rows, " +
                "for this one process (publishers, broker and backend together) and for the PostgreSQL server (all its processes): unlike wall time, " +
                "it barely depends on what else runs on the machine. Second table: publish-to-commit latency at a fixed offered rate " +
                "for 5 s (paced in 10 ms slices). PostgreSQL is a scratch server with its durable defaults (fsync on, synchronous_commit on); SQLite in WAL mode, " +
                "synchronous=NORMAL. The machine is shared: the load average is given with each figure (2 cores, so a load above 2 means waiting for a CPU); " +
                $"before the run: {loadBefore}.", text);
            Console.Error.WriteLine($"hil: recorded in {file}");
        }
        return allMet ? 0 : 1;
    }
}
