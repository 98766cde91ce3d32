using System.CommandLine;
using Hil.Harness.Clocks;
using Hil.Harness.Targets;

namespace Hil.Cli.Commands;

/// <summary>Options several commands share, defined once.</summary>
internal static class CommonOptions
{
    public static Option<string> Target() => new("--target", "-t")
    {
        Description = $"Target backend: {string.Join(", ", TargetFactory.Backends)}",
        DefaultValueFactory = _ => "native",
        Validators = { result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not null && !TargetFactory.Backends.Contains(value))
                result.AddError($"Unknown target '{value}'. Known targets: {string.Join(", ", TargetFactory.Backends)}.");
        } },
    };

    public static Option<string?> Firmware() => new("--firmware", "-f")
    {
        Description = "Firmware image to run instead of the reference node (host executable for native, ELF for qemu)",
    };

    public static Option<ClockMode> Clock() => new("--clock")
    {
        Description = "Node clock: Wall, or Virtual (native: advanced by the harness; qemu: -icount, idle time skipped)",
        DefaultValueFactory = _ => ClockMode.Wall,
    };
}
