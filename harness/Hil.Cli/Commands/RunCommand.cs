using System.CommandLine;
using Hil.Cli.Scenarios;
using Hil.Harness.Bench;
using Hil.Harness.Support;
using Hil.Harness.Targets.Renode;
using Hil.Steps;
using Hil.Steps.Drivers;

namespace Hil.Cli.Commands;

/// <summary>`hil run`: the main job — the Gherkin scenarios under scenarios/Features against real firmware.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        Option<string> target = CommonOptions.Target(EmulatedNodeTargets.Backends,
            "Target backend: native, qemu, renode (Renode installed: RENODE or PATH), or serial (a native node behind socat pty pairs, opened by the serial target)");
        Option<string?> firmware = CommonOptions.Firmware();
        var tags = new Option<string>("--tags")
        {
            Description = "Tag expression selecting scenarios, e.g. \"@smoke and not @slow\"",
            DefaultValueFactory = _ => StepCatalogue.DefaultTags,
        };
        var features = new Option<string>("--features")
        {
            Description = "Folder of .feature files (default scenarios/Features)",
            DefaultValueFactory = _ => Path.Combine(RepositoryLayout.Root, "scenarios", "Features"),
        };
        var repeat = new Option<int>("--repeat") { Description = "Run the selection N times", DefaultValueFactory = _ => 1 };
        var report = new Option<string>("--report")
        {
            Description = "Folder for junit.xml, cucumber.json and index.html (default artifacts/report)",
            DefaultValueFactory = _ => Path.Combine(RepositoryLayout.Root, "artifacts", "report"),
        };
        var bench = new Option<string?>("--bench", "-b")
        {
            Description = "Bench file (YAML, docs/bench-files.md): the scenarios' nodes are its targets (node N = target N)",
        };
        var failFast = new Option<bool>("--fail-fast") { Description = "Stop at the first failing scenario (the rest are reported as not run)" };
        var command = new Command("run", "Run the Gherkin scenarios (default: native target, all but @slow and @wip; the features that need no platform first, each whole) and write the reports")
        {
            target, tags, features, repeat, report, firmware, bench, failFast,
        };
        command.SetAction((parse, ct) => CliErrors.GuardAsync(() =>
        {
            var settings = parse.GetValue(bench) is string file
                ? new HarnessSettings { Targets = new BenchNodeTargets(LoadBench(file, parse.GetResult(target) is { Implicit: false }, parse.GetValue(firmware))) }
                : new HarnessSettings { Backend = parse.GetValue(target)! };
            if (parse.GetValue(bench) is null) UseFirmware(parse.GetValue(target)!, parse.GetValue(firmware));
            // Said once, before any scenario starts, rather than as a failure in each.
            if (parse.GetValue(bench) is null && parse.GetValue(target) == "renode" && RenodeHostOptions.Unavailable() is string reason)
                throw new FileNotFoundException($"--target renode: {reason}. Renode 1.16 (renode.io) runs the STM32F4 build; see renode/README.md.");
            return SuiteRun.RunAsync(new SuiteOptions(settings, parse.GetValue(tags)!, parse.GetValue(features)!,
                parse.GetValue(repeat), parse.GetValue(report)!, parse.GetValue(failFast)), ct);
        }));
        return command;
    }

    /// <summary>A bench file with its boards plugged in, or one clear error line per problem (before anything starts).</summary>
    private static Bench LoadBench(string file, bool targetGiven, string? firmware)
    {
        if (targetGiven || firmware is not null)
            throw new ArgumentException("--bench names the targets and their firmware; leave out --target and --firmware (or the bench).");
        Bench loaded = BenchLoader.Load(file);
        IReadOnlyList<string> missing = BenchLoader.MissingDevices(loaded);
        if (missing.Count > 0) throw new BenchFileException(missing.Select(m => $"{file}: {m}").ToArray());
        return loaded;
    }

    // --firmware replaces the default image for this run, as HIL_NATIVE_FIRMWARE / HIL_STM32_FIRMWARE do.
    private static void UseFirmware(string target, string? firmware)
    {
        if (firmware is null) return;
        if (!File.Exists(firmware)) throw new FileNotFoundException($"The firmware image '{firmware}' does not exist.", firmware);
        Environment.SetEnvironmentVariable(target == "native" ? "HIL_NATIVE_FIRMWARE" : "HIL_STM32_FIRMWARE", Path.GetFullPath(firmware));
    }
}
