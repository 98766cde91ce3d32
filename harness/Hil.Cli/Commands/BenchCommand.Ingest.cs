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
        // Shared build machines: the load during the run is part of the figure's meaning.
        string loadBefore = LoadAverage();
        var results = new List<IngestBench.Result>();
        foreach (string storage in storages)
        {
            if (storage is not ("sqlite" or "postgres")) throw new ArgumentException($"--storage takes sqlite and/or postgres, got '{storage}'");
            Console.Error.WriteLine($"hil: ingest into {storage}: {messages} messages flat out, then {rate} msg/s for 5 s");
            results.Add(await IngestBench.RunAsync(storage, messages, rate, cancellationToken));
        }
        static string F(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);
        var table = new StringBuilder();
        table.AppendLine("| storage | messages | rows/s | rate (msg/s) | p50 (ms) | p99 (ms) | goal | verdict |");
        table.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        bool allMet = true;
        foreach (var r in results)
        {
            bool postgres = r.Storage == "postgres";
            bool met = !postgres || (r.RowsPerSecond >= RowsGoal && r.P99Ms <= P99GoalMs);
            allMet &= met;
            table.AppendLine($"| {r.Storage} | {r.Messages} | {F(r.RowsPerSecond)} | {r.Rate} | {F(r.P50Ms)} | {F(r.P99Ms)} | " +
                             $"{(postgres ? "≥ 20000 rows/s, p99 ≤ 50 ms" : "—")} | {(met ? "meets goal" : "MISSES goal")} |");
        }
        string text = table.ToString().TrimEnd();
        Console.WriteLine(text);
        if (record)
        {
            string file = BenchmarkLog.Record("Telemetry ingest",
                "`./hil bench ingest`: v2 telemetry published at QoS 1 to the embedded broker, ingested by the backend in the same " +
                "process and committed (batched; binary COPY on PostgreSQL). rows/s: four publishers flat out until the last row is " +
                "committed. Latency: publish to commit at a fixed rate for 5 s. PostgreSQL is a scratch server with its durable defaults (fsync on); SQLite in WAL mode, synchronous=NORMAL. " +
                $"Load average before/after: {loadBefore} / {LoadAverage()}.", text);
            Console.Error.WriteLine($"hil: recorded in {file}");
        }
        return allMet ? 0 : 1;
    }
}
