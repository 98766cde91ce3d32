using Hil.Harness.Clocks;
using Hil.Harness.Targets.Native;
using Hil.Harness.Targets.Qemu;
using Hil.Harness.Targets.Renode;
using Hil.Harness.Targets.Serial;

namespace Hil.Harness.Targets;

/// <summary>Creates a target of a backend named on a command line or in a scenario.</summary>
public static class TargetFactory
{
    public static IReadOnlyList<string> Backends { get; } = ["native", "qemu", "renode"];

    /// <param name="firmware">The firmware image (host executable or ELF); null for the reference node's build.</param>
    /// <param name="devices">Serial backend only: the device of each channel (console → /dev/serial/by-id/...).</param>
    public static ITarget Create(string backend, string name = "node-1", ClockMode clockMode = ClockMode.Wall,
        string? firmware = null, TimeProvider? timeProvider = null, IReadOnlyDictionary<string, string>? devices = null)
    {
        TimeProvider time = timeProvider ?? TimeProvider.System;
        return backend switch
        {
            "native" => new NativeTarget(firmware is null
                ? new NativeTargetOptions { Name = name, ClockMode = clockMode, TimeProvider = time }
                : new NativeTargetOptions { Name = name, ClockMode = clockMode, TimeProvider = time, ExecutablePath = firmware }),
            "qemu" => new QemuTarget(firmware is null
                ? new QemuTargetOptions { Name = name, ClockMode = clockMode, TimeProvider = time }
                : new QemuTargetOptions { Name = name, ClockMode = clockMode, TimeProvider = time, ElfPath = firmware }),
            "renode" => new RenodeTarget(firmware is null
                ? new RenodeTargetOptions { Name = name, ClockMode = clockMode, TimeProvider = time }
                : new RenodeTargetOptions { Name = name, ClockMode = clockMode, TimeProvider = time, ElfPath = firmware }),
            "serial" => new SerialTarget(new SerialTargetOptions
            {
                Name = name, TimeProvider = time, FirmwareImage = firmware,
                Devices = devices ?? throw new ArgumentException("The serial backend needs the board's devices: describe it in a bench file (hil run --bench FILE)."),
            }),
            _ => throw new ArgumentException(
                $"Unknown target backend '{backend}' (known: {string.Join(", ", Backends)}).", nameof(backend)),
        };
    }
}
