using Hil.Harness.Firmware;

namespace Hil.Harness.Targets.Native;

/// <summary>Options of the native target: the firmware compiled as a host program.</summary>
public sealed record NativeTargetOptions : TargetOptions
{
    /// <summary>The host executable (default: the reference node's native build).</summary>
    public string ExecutablePath { get; init; } = FirmwareImages.NativeExecutable;

    /// <summary>The node's MAC, from which its id is derived (default: unique per target in this process).</summary>
    public string? Mac { get; init; }

    /// <summary>File emulating the config flash page (default: flash.bin in the work directory).</summary>
    public string? FlashPath { get; init; }

    /// <summary>Arguments passed to the firmware after the harness's own.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
