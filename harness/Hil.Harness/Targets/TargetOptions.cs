using System.Text.RegularExpressions;
using Hil.Harness.Clocks;

namespace Hil.Harness.Targets;

/// <summary>What every backend needs to know about the firmware it runs.</summary>
public abstract record TargetOptions
{
    public string Name { get; init; } = "node-1";

    /// <summary>Channel names in UART order (USART1, USART2, ...).</summary>
    public IReadOnlyList<string> ChannelNames { get; init; } = Targets.ChannelNames.Default;

    /// <summary>The console line that says the firmware is ready.</summary>
    public Regex ReadyPattern { get; init; } = new("^hive-node ready", RegexOptions.CultureInvariant);

    /// <summary>The channel the ready line appears on.</summary>
    public string ReadyChannel { get; init; } = Targets.ChannelNames.Console;

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public ClockMode ClockMode { get; init; } = ClockMode.Wall;

    /// <summary>Folder for the target's files (flash image, logs). Default: a fresh temporary folder.</summary>
    public string? WorkDirectory { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
