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
    /// The board's MAC (the reference node's id derives from it), provisioned through
    /// <see cref="BoardIdentity"/>. Default: unique per target in this process.
    /// </summary>
    public string? Mac { get; init; }

    /// <summary>
    /// The ELF symbol of the firmware's millisecond uptime counter (a little-endian uint64 in RAM), read through QMP
    /// for the node's clock; null, or a symbol the ELF does not have, falls back to <see cref="DeviceTimeProbe"/>'s default.
    /// </summary>
    public string? UptimeSymbol { get; init; } = "s_millis";

    /// <summary>Whether to write the identity record at all (firmware other than the reference node may not want it).</summary>
    public bool ProvisionIdentity { get; init; } = true;

    /// <summary>
    /// How the harness reads the node's clock in virtual (icount) mode. Default: the 64-bit millisecond counter
    /// named <see cref="UptimeSymbol"/> read from RAM through QMP (no input to the node, so reading it changes
    /// nothing), else the reference node's <c>uptime</c> console command.
    /// </summary>
    public Func<ITarget, CancellationToken, Task<TimeSpan>>? DeviceTimeProbe { get; init; }

    /// <summary>
    /// Starts QEMU's GDB server (<c>-gdb tcp:127.0.0.1:PORT</c>) on a free port the harness picks
    /// (<see cref="QemuTarget.GdbPort"/>), for bulk memory writes such as the audio fast path.
    /// QEMU halts the CPU while a debugger is attached.
    /// </summary>
    public bool GdbServer { get; init; }

    /// <summary>
    /// In virtual time, keep the node in lockstep with the harness (<see cref="QemuLockstep"/>): it may not sleep
    /// past what it wrote until the harness has received it and its device models have answered. Default: on.
    /// </summary>
    public bool Lockstep { get; init; } = true;

    /// <summary>
    /// With lockstep, device time passes only as the harness advances the node's clock, as on the native target: a
    /// sleep that would end past what the harness granted waits for it (<see cref="QemuLockstep.AdvanceAsync"/>), and
    /// input is taken in at the time the node stands at. Needs <see cref="UptimeSymbol"/> in the ELF and sleeps that end
    /// at a SysTick wrap. For scenario nodes; a node nobody advances (an interactive console) would never sleep. Default: off.
    /// </summary>
    public bool GrantDeviceTime { get; init; }

    /// <summary>
    /// The UART behind each channel, in channel order, for lockstep. Default: the STM32F405's USART1, USART2,
    /// USART3 (netduinoplus2; also the STM32F407).
    /// </summary>
    public IReadOnlyList<QemuUart> Uarts { get; init; } = QemuUart.Stm32F4;

    /// <summary>Arguments passed to QEMU after the harness's own.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
