using Hil.Harness.Firmware;

namespace Hil.Harness.Targets.Qemu;

/// <summary>Options of the QEMU target: an ARM ELF on an emulated board.</summary>
public sealed record QemuTargetOptions : TargetOptions
{
    /// <summary>The firmware ELF (default: the reference node's STM32F4 build).</summary>
    public string ElfPath { get; init; } = FirmwareImages.Stm32Elf;

    /// <summary>The emulator (default: qemu-system-arm on PATH; override with HIL_QEMU).</summary>
    public string QemuPath { get; init; } = Environment.GetEnvironmentVariable("HIL_QEMU") ?? "qemu-system-arm";

    /// <summary>QEMU machine: netduinoplus2 is an STM32F405 (USART1..3 are -serial 0..2).</summary>
    public string Machine { get; init; } = "netduinoplus2";

    /// <summary>
    /// How the harness reads the node's clock in virtual (icount) mode. Default: the reference node's
    /// <c>uptime</c> console command.
    /// </summary>
    public Func<ITarget, CancellationToken, Task<TimeSpan>>? DeviceTimeProbe { get; init; }

    /// <summary>Arguments passed to QEMU after the harness's own.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
