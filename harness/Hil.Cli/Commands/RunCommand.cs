using System.CommandLine;
using Hil.Cli.Scenarios;
using Hil.Harness.Support;
using Hil.Steps;

namespace Hil.Cli.Commands;

/// <summary>`hil run`: the main job — the Gherkin scenarios under scenarios/Features against real firmware.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        Option<string> target = CommonOptions.Target();
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
            Description = "Bench file (YAML, docs/bench-files.md): boot and check every target it describes",
        };
        var command = new Command("run", "Run the Gherkin scenarios (default: native target, all but @slow) and write the reports")
        {
            target, tags, features, repeat, report, firmware, bench,
        };
        command.SetAction((parse, ct) => CliErrors.GuardAsync(() =>
        {
            if (parse.GetValue(bench) is string file) return BenchChecks.RunAsync(file, ct);
            UseFirmware(parse.GetValue(target)!, parse.GetValue(firmware));
            return SuiteRun.RunAsync(new SuiteOptions(parse.GetValue(target)!, parse.GetValue(tags)!, parse.GetValue(features)!,
                parse.GetValue(repeat), parse.GetValue(report)!), ct);
        }));
        return command;
    }

    // --firmware replaces the default image for this run, as HIL_NATIVE_FIRMWARE / HIL_STM32_FIRMWARE do.
    private static void UseFirmware(string target, string? firmware)
    {
        if (firmware is null) return;
        if (!File.Exists(firmware)) throw new FileNotFoundException($"The firmware image '{firmware}' does not exist.", firmware);
        Environment.SetEnvironmentVariable(target == "native" ? "HIL_NATIVE_FIRMWARE" : "HIL_STM32_FIRMWARE", Path.GetFullPath(firmware));
    }
}
