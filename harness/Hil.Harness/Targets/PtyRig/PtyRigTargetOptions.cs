using Hil.Harness.Firmware;

namespace Hil.Harness.Targets.PtyRig;

/// <summary>What runs behind the rig's ptys.</summary>
public enum PtyRigNode { Native, Qemu }

/// <summary>A board the harness builds itself: a native or QEMU node whose UARTs are socat pty pairs, opened by the serial target.</summary>
public sealed record PtyRigTargetOptions : TargetOptions
{
    public PtyRigNode Node { get; init; } = PtyRigNode.Native;

    /// <summary>The image the rig "flashes": the host executable (native) or ELF (QEMU). Default: the reference node's build.</summary>
    public string? FirmwareImage { get; init; }

    /// <summary>The node's MAC (its id); default: a fresh one.</summary>
    public string? Mac { get; init; }

    /// <summary>For a QEMU board in virtual time: device time passes only as the harness advances it (<see cref="Qemu.QemuTargetOptions.GrantDeviceTime"/>).</summary>
    public bool GrantDeviceTime { get; init; }

    public string QemuPath { get; init; } = Environment.GetEnvironmentVariable("HIL_QEMU") ?? "qemu-system-arm";

    internal string Image => FirmwareImage ?? (Node == PtyRigNode.Native ? FirmwareImages.NativeExecutable : FirmwareImages.Stm32Elf);
}
