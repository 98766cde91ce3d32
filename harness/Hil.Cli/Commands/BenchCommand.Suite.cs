using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hil.Cli.Benchmarks;
using Hil.Cli.Scenarios;
using Hil.Harness.Support;
using Hil.Steps;
using Hil.Steps.Drivers;

namespace Hil.Cli.Commands;

internal static partial class BenchCommand
{
    private const double SuiteGoalSeconds = 60, OverheadGoalMs = 20, QemuSuiteGoalSeconds = 300;

    private static Command CreateSuite(Option<bool> noRecord)
    {
        var target = new Option<string>("--target")
        {
            Description = "native: cold and warm runs with the harness overhead; qemu: one cold run, wall time against device time (goal <= 5 min)",
            DefaultValueFactory = _ => "native",
        };
        target.AcceptOnlyFromAmong("native", "qemu");
        var suite = new Command("suite",
            $"The default suite (`hil run`, \"{StepCatalogue.DefaultTags}\"). Native: run twice in one process (cold, then warm): its wall " +
            "time (goal <= 60 s) and the per-scenario harness overhead beyond waiting on nodes and platform (goal <= 20 ms). " +
            "QEMU: once, cold: wall time (goal <= 5 min), device time the nodes lived and the ratio") { target, noRecord };
        suite.SetAction((parse, ct) => CliErrors.GuardAsync(() => parse.GetValue(target) == "qemu"
            ? QemuSuiteAsync(!parse.GetValue(noRecord), ct)
            : SuiteAsync(!parse.GetValue(noRecord), ct)));
        return suite;
    }

    private static async Task<int> QemuSuiteAsync(bool record, CancellationToken cancellationToken)
    {
        string loadBefore = MachineLoad.Average();
        TimeSpan deviceBefore = DeviceTimeMeter.Total;
        int nodesBefore = DeviceTimeMeter.Nodes;
        SuiteMeasurement run = await MeasureSuiteAsync("cold", cancellationToken, backend: "qemu");
        TimeSpan device = DeviceTimeMeter.Total - deviceBefore;
        static string F(double v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);
        ScenarioTiming[] scenarios = run.Scenarios.ToArray();
        IReadOnlyList<IReadOnlyList<string>> rows =
        [
            Row($"suite wall time, cold ({scenarios.Length} scenarios, {(run.Passed ? "all passed" : "FAILED")})",
                $"{F(run.Wall.TotalSeconds)} s", QemuSuiteGoalSeconds, "s", run.Wall.TotalSeconds),
            [$"device time the nodes lived ({DeviceTimeMeter.Nodes - nodesBefore} nodes, summed)", $"{F(device.TotalHours, "0.00")} h", "—", "—"],
            ["device time / wall time", $"{F(device.TotalSeconds / run.Wall.TotalSeconds, "0")}x", "—", "—"],
        ];
        string table = MarkdownTable.Render(["measure", "value", "goal", "verdict"], rows);
        string slowest = MarkdownTable.Render(["slowest scenarios on QEMU", "wall (s)"],
            scenarios.OrderByDescending(s => s.Wall).Take(8).Select(s => (IReadOnlyList<string>)[s.Name, F(s.Wall.TotalSeconds)]));
        string text = $"{table}\n\nLoad average (1/5/15 min) before: {loadBefore}; after: {MachineLoad.Average()}.\n\n{slowest}";
        PrintAndRecord(record, "Default suite on QEMU",
            "`./hil bench suite --target qemu` runs the default suite (`./hil run --target qemu`, tags `" + StepCatalogue.DefaultTags + "`) once, " +
            "cold: every node is the reference ELF on QEMU's netduinoplus2 under `-icount shift=0,sleep=off`, in lockstep with the harness " +
            "(README, \"QEMU in lockstep with the harness\"). Device time is each node's clock when its scenario ended, summed over the nodes; " +
            "the ratio says how much faster than real time the emulated nodes ran, all together, on this machine's cores.", text);
        return run.Passed && run.Wall.TotalSeconds <= QemuSuiteGoalSeconds ? 0 : 1;
    }

    // PlatformBackground: wall time the platform pool spent starting and stopping platforms beside the scenarios.
    // Cpu: processor time of this process over the run (every thread: the harness, the in-process brokers and backends; not the nodes).
    private sealed record SuiteMeasurement(string Run, TimeSpan Wall, bool Passed, IReadOnlyList<ScenarioTiming> Scenarios, TimeSpan PlatformBackground,
        OverheadBreakdown Breakdown, TimeSpan Cpu);

    private static async Task<int> SuiteAsync(bool record, CancellationToken cancellationToken)
    {
        string loadBefore = MachineLoad.Average();
        // The first run pays for JIT compilation, as every `hil run` does; the second shows the harness's steady state.
        SuiteMeasurement cold = await MeasureSuiteAsync("cold (what `hil run` costs)", cancellationToken);
        SuiteMeasurement warm = await MeasureSuiteAsync("warm (second run, same process)", cancellationToken);
        static string F(double v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);
        var rows = new List<IReadOnlyList<string>>();
        foreach (SuiteMeasurement run in new[] { cold, warm })
        {
            IReadOnlyList<ScenarioTiming> scenarios = run.Scenarios;
            double[] overhead = Sorted(scenarios.Select(s => s.Overhead));
            double[] besidesPlatform = Sorted(scenarios.Select(s => s.OverheadBesidesPlatform));
            rows.Add(Row($"{run.Run}: suite wall time ({scenarios.Count} scenarios, {(run.Passed ? "all passed" : "FAILED")})",
                $"{F(run.Wall.TotalSeconds)} s", SuiteGoalSeconds, "s", run.Wall.TotalSeconds));
            rows.Add([$"{run.Run}: CPU time of the hil process (harness, in-process brokers and backends; not the nodes)",
                $"{F(run.Cpu.TotalSeconds)} s", "—", "—"]);
            rows.Add([$"{run.Run}: in scenarios / waiting on nodes and platform",
                $"{F(scenarios.Sum(s => s.Wall.TotalSeconds))} s / {F(scenarios.Sum(s => s.Waiting.TotalSeconds))} s", "—", "—"]);
            // "Overhead per scenario" is what the harness costs a scenario on top of the system under test: all of the
            // run's overhead over its scenario count, judged against the goal. The distribution is shown beside it, with
            // the scenarios above the goal counted: the tail is one-off costs of a cold process (compiling the first node's
            // start lands on the first scenario) and the scenarios of hundreds of virtual-clock steps (each some tens of µs of harness work).
            rows.Add(Row($"{run.Run}: harness overhead per scenario (all of it over the {scenarios.Count} scenarios)",
                $"{F(overhead.Average())} ms", OverheadGoalMs, "ms", overhead.Average()));
            rows.Add([$"{run.Run}: its distribution, p50 / p95 / max; scenarios above {F(OverheadGoalMs, "0")} ms",
                $"{F(Statistics.Percentile(overhead, 50))} / {F(Statistics.Percentile(overhead, 95))} / {F(overhead[^1])} ms; " +
                $"{overhead.Count(o => o > OverheadGoalMs)} of {scenarios.Count}", "—", "—"]);
            rows.Add([$"{run.Run}: of it, getting and giving back the in-process platform ({scenarios.Count(s => s.PlatformStartStop > TimeSpan.Zero)} scenarios; " +
                "started and stopped in the background, in the pool)",
                $"{F(scenarios.Sum(s => s.PlatformStartStop.TotalSeconds))} s in all (background: {F(run.PlatformBackground.TotalSeconds)} s)", "—", "—"]);
            rows.Add([$"{run.Run}: overhead besides getting the platform, p50 / p95 / max",
                $"{F(Statistics.Percentile(besidesPlatform, 50))} / {F(Statistics.Percentile(besidesPlatform, 95))} / {F(besidesPlatform[^1])} ms", "—", "—"]);
        }
        string table = MarkdownTable.Render(["measure", "value", "goal", "verdict"], rows);
        string slowest = MarkdownTable.Render(["most overhead (cold run)", "wall (ms)", "waiting (ms)", "overhead (ms)", "of it getting the platform (ms)", "warm overhead (ms)"],
            cold.Scenarios.OrderByDescending(s => s.Overhead).Take(6).Select(s => (IReadOnlyList<string>)
            [
                s.Name, F(s.Wall.TotalMilliseconds, "0"), F(s.Waiting.TotalMilliseconds, "0"), F(s.Overhead.TotalMilliseconds, "0"),
                F(s.PlatformStartStop.TotalMilliseconds, "0"), warm.Scenarios.FirstOrDefault(w => w.Name == s.Name) is { } w ? F(w.Overhead.TotalMilliseconds, "0") : "—",
            ]));
        string where = MarkdownTable.Render(["where the overhead goes (summed over the scenarios)", "times", "cold: in all (ms)", "cold: largest (ms)", "warm: in all (ms)", "warm: largest (ms)"],
            cold.Breakdown.Parts.OrderByDescending(p => p.Value.Total).Take(12).Select(p => (IReadOnlyList<string>)
            [
                p.Key, p.Value.Count.ToString(CultureInfo.InvariantCulture), F(p.Value.Total.TotalMilliseconds, "0"), F(p.Value.Max.TotalMilliseconds, "0"),
                warm.Breakdown.Parts.TryGetValue(p.Key, out OverheadBreakdown.Part? w) ? F(w.Total.TotalMilliseconds, "0") : "—",
                w is null ? "—" : F(w.Max.TotalMilliseconds, "0"),
            ]));
        string text = $"{table}\n\nLoad average (1/5/15 min) before: {loadBefore}; after: {MachineLoad.Average()}.\n\n{slowest}\n\n{where}";
        PrintAndRecord(record, "Default suite",
            "`./hil bench suite` runs the default suite (`./hil run`: native target, tags `" + StepCatalogue.DefaultTags + "`) twice in one " +
            "process: cold (JIT compilation included, as in every `hil run`) and warm. Wall time is from loading the features to the written " +
            "reports. **Harness overhead** of a scenario = its wall time minus the wall time during which the harness was waiting on the " +
            "system under test: a node's console reply or boot line, its virtual clock step, a process connecting or exiting, a condition " +
            "polled on the platform, the backend answering an API call or a query of its store (`WaitMeter`: overlapping waits of several nodes count once). What remains is the harness's own work: " +
            "matching steps, hooks, starting node processes, getting the scenario's in-process broker and backend (shown apart: each scenario " +
            "gets a fresh one, started in the background while the previous scenario ran, and stopped in the background after it), building firmware variants " +
            "not yet built, evidence and cleanup. The goal (≤ 20 ms per scenario) is judged on the run's overhead over its scenario count; " +
            "the distribution and the scenarios above 20 ms are shown beside it. The last table sums that overhead over the run by step binding and hook stretch (the stretches of a " +
            "scenario add up to its overhead). CPU time is the hil process's: the harness and the in-process brokers and backends, not the node " +
            "processes. The machine is shared with other builds; the load average is part of the figure.", text);
        bool goalsMet = cold.Wall.TotalSeconds <= SuiteGoalSeconds && cold.Scenarios.Average(s => s.Overhead.TotalMilliseconds) <= OverheadGoalMs;
        return cold.Passed && warm.Passed && goalsMet ? 0 : 1;
    }

    private static async Task<SuiteMeasurement> MeasureSuiteAsync(string name, CancellationToken cancellationToken, string backend = "native")
    {
        var options = new SuiteOptions(new HarnessSettings { Backend = backend }, StepCatalogue.DefaultTags,
            Path.Combine(RepositoryLayout.Root, "scenarios", "Features"), Repeat: 1, Path.Combine(RepositoryLayout.BuildDirectory, "bench-suite-report"));
        var timing = new SuiteTiming();
        TimeSpan background = PlatformPool.BackgroundStartStopTime;
        using var process = Process.GetCurrentProcess();
        TimeSpan cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        SuiteOutcome outcome = await SuiteRun.RunAsync(options, timing.Observe, cancellationToken);
        wall.Stop();
        process.Refresh();
        if (timing.Scenarios.Count == 0) throw new InvalidOperationException("The default suite ran no scenario.");
        return new SuiteMeasurement(name, wall.Elapsed, outcome.ExitCode == 0, timing.Scenarios, PlatformPool.BackgroundStartStopTime - background,
            timing.Breakdown, process.TotalProcessorTime - cpu);
    }

    private static void PrintAndRecord(bool record, string title, string description, string text)
    {
        Console.WriteLine(text);
        if (!record) return;
        string file = BenchmarkLog.Record(title, description, text);
        Console.Error.WriteLine($"hil: recorded in {file}");
    }

    private static double[] Sorted(IEnumerable<TimeSpan> values) => values.Select(v => v.TotalMilliseconds).Order().ToArray();

    private static IReadOnlyList<string> Row(string measure, string value, double goal, string unit, double measured) =>
        [measure, value, $"≤ {goal.ToString(CultureInfo.InvariantCulture)} {unit}", BenchmarkRow.Verdict(measured <= goal)];
}
