using System.CommandLine;
using Hil.Harness.Clocks;
using Hil.Harness.Targets;

namespace Hil.Cli.Commands;

/// <summary>Options several commands share, defined once.</summary>
internal static class CommonOptions
{
    /// <param name="backends">The backends this command accepts; default: every backend of <see cref="TargetFactory"/>.</param>
    public static Option<string> Target(IReadOnlyList<string>? backends = null, string? description = null)
    {
        IReadOnlyList<string> known = backends ?? TargetFactory.Backends;
        return new("--target", "-t")
        {
            Description = description ?? $"Target backend: {string.Join(", ", known)}",
            DefaultValueFactory = _ => "native",
            Validators = { result =>
            {
                string? value = result.GetValueOrDefault<string>();
                if (value is not null && !known.Contains(value))
                    result.AddError($"Unknown target '{value}'. Known targets: {string.Join(", ", known)}.");
            } },
        };
    }

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
