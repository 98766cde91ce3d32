using Hil.Harness.Firmware;
using Hil.Harness.Support;

namespace Hil.Harness.Targets.Renode;

/// <summary>Options of the renode target: an ARM ELF on a machine in the run's shared Renode.</summary>
public sealed record RenodeTargetOptions : TargetOptions
{
    /// <summary>The firmware ELF (default: the reference node's STM32F4 build).</summary>
    public string ElfPath { get; init; } = FirmwareImages.Stm32Elf;

    /// <summary>The platform description (default: renode/hive-node.repl).</summary>
    public string PlatformPath { get; init; } = Path.Combine(RepositoryLayout.Root, "renode", "hive-node.repl");

    /// <summary>The peripheral behind each channel, in channel order (USART1, USART2, USART3).</summary>
    public IReadOnlyList<string> Uarts { get; init; } = ["sysbus.usart1", "sysbus.usart2", "sysbus.usart3"];

    /// <summary>
    /// On virtual time, start the first node of an empty emulation from the snapshot the first node of the same image and
    /// identity saved at its ready line (<see cref="RenodeHost.TryLoadBootedAsync"/>): ready in 208 ms instead of 342 ms (`hil bench boot --targets renode`).
    /// Off by default: Renode 1.16.1 loses a loaded machine's reset hook (its monitor registers it only for machines
    /// added after an emulation change), so a loaded node that reboots itself (SYSRESETREQ) never comes back ("PC does
    /// not lay in memory ... CPU was halted"). For firmware that never resets itself, and benchmarks.
    /// </summary>
    public bool StartFromSnapshot { get; init; }

    /// <summary>The machine's CPU in Renode, halted when the target stops while other machines still run.</summary>
    public string Cpu { get; init; } = "sysbus.cpu";

    /// <summary>The Renode to use; default: the run's shared one (<see cref="RenodeHost.GetSharedAsync"/>).</summary>
    public RenodeHost? Host { get; init; }

    /// <summary>How the shared Renode is started when this target is the first to need it.</summary>
    public RenodeHostOptions HostOptions { get; init; } = new();

    /// <summary>The board's MAC, written as the identity record at 0x20000000 (firmware/README.md, "Identity").</summary>
    public string? Mac { get; init; }

    /// <summary>Whether to write the identity record at all (firmware other than the reference node may not want it).</summary>
    public bool ProvisionIdentity { get; init; } = true;

    /// <summary>
    /// <c>emulation SetGlobalQuantum</c> (the whole emulation): in virtual mode <see cref="RenodeTimeline.DefaultQuantum"/>
    /// (100 ms) unless set; in wall mode Renode's own default (0.1 ms) unless set.
    /// </summary>
    public TimeSpan? Quantum { get; init; }
}
