using System.CommandLine;
using System.Diagnostics;
using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Cli.Benchmarks;

namespace Hil.Cli.Commands;

/// <summary>`hil bench ...`: measurements printed and recorded in docs/benchmarks.md.</summary>
internal static partial class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Run a benchmark, print its figures and record them in docs/benchmarks.md");
        var runs = new Option<int>("--runs", "-n") { Description = "Boots per target", DefaultValueFactory = _ => 20 };
        var targets = new Option<string[]>("--targets") { Description = "Backends to measure", DefaultValueFactory = _ => ["native", "qemu"], AllowMultipleArgumentsPerToken = true };
        var noRecord = new Option<bool>("--no-record") { Description = "Print only; do not update docs/benchmarks.md" };
        var boot = new Command("boot", "Median boot-to-prompt time per target (goals: native <= 10 ms, QEMU <= 100 ms, a Renode node from its snapshot <= 300 ms; renode: cold start, new machine, snapshot Load, machine Reset)") { runs, targets, noRecord };
        boot.SetAction((parse, ct) => CliErrors.GuardAsync(() =>
            BootAsync(parse.GetValue(runs), parse.GetValue(targets)!, !parse.GetValue(noRecord), ct)));
        bench.Subcommands.Add(boot);
        bench.Subcommands.Add(CreateMqtt(noRecord));
        bench.Subcommands.Add(CreateMqttHold());
        bench.Subcommands.Add(DspBench.Create());
        bench.Subcommands.Add(CreateIngest(noRecord));
        bench.Subcommands.Add(CreateSuite(noRecord));
        return bench;
    }

    private static async Task<int> BootAsync(int runs, string[] backends, bool record, CancellationToken cancellationToken)
    {
        if (runs < 1) throw new ArgumentException("--runs must be at least 1");
        var goals = new Dictionary<string, double> { ["native"] = 10, ["qemu"] = 100 };
        var rows = new List<BenchmarkRow>();
        foreach (string backend in backends)
        {
            if (backend == "renode")
            {
                rows.AddRange(await RenodeBootRowsAsync(runs, cancellationToken));
                continue;
            }
            // One warm-up boot: the first start pays for JIT and page cache, which a run of many boots does not.
            await BootOnceAsync(backend, cancellationToken);
            var samples = new List<double>();
            for (int i = 0; i < runs; i++)
            {
                samples.Add(await BootOnceAsync(backend, cancellationToken));
                if (!Console.IsErrorRedirected) Console.Error.Write($"\rhil: {backend}: {i + 1}/{runs} boots");
            }
            Console.Error.WriteLine(Console.IsErrorRedirected ? $"hil: {backend}: {runs} boots" : "");
            var stats = Statistics.Of(samples);
            double? goal = goals.TryGetValue(backend, out double g) ? g : null;
            rows.Add(new BenchmarkRow(backend, runs, stats, goal));
        }
        string table = BenchmarkRow.Table(rows, "median (ms)", "p90 (ms)", "min (ms)", "max (ms)");
        Console.WriteLine(table);
        if (record)
        {
            string file = BenchmarkLog.Record("Boot to prompt",
                "Process start (or emulator launch) to the node's first console prompt, measured by the harness " +
                "(`./hil bench boot`), including the harness accepting the UART connections. Renode rows are on virtual " +
                "time, as `hil run --target renode` uses it: the node's set-up, then its boot in harness-granted steps.", table);
            Console.Error.WriteLine($"hil: recorded in {file}");
        }
        return rows.All(r => r.MeetsGoal) ? 0 : 1;
    }

    private static async Task<double> BootOnceAsync(string backend, CancellationToken cancellationToken)
    {
        await using ITarget target = TargetFactory.Create(backend, $"bench-{backend}", ClockMode.Wall);
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        var clock = Stopwatch.StartNew();
        await target.StartAsync(cancellationToken);
        await console.WaitForPromptAsync(TimeSpan.FromSeconds(10), cancellationToken);
        return clock.Elapsed.TotalMilliseconds;
    }
}
