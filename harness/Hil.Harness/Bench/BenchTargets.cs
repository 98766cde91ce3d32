using Hil.Harness.Targets;
using Hil.Harness.Targets.Native;
using Hil.Harness.Targets.PtyRig;
using Hil.Harness.Targets.Qemu;
using Hil.Harness.Targets.Renode;
using Hil.Harness.Targets.Serial;

namespace Hil.Harness.Bench;

/// <summary>Creates the targets a bench describes (not started); the scenario runner and `hil run --bench` call this.</summary>
public static class BenchTargets
{
    public static async Task<IReadOnlyList<ITarget>> CreateAsync(Bench bench, TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        TimeProvider time = timeProvider ?? TimeProvider.System;
        var targets = new List<ITarget>();
        foreach (BenchTarget entry in bench.Targets)
        {
            RenodeHost? attached = entry.Renode?.Monitor is string monitor
                ? await RenodeHost.AttachAsync(monitor[..monitor.LastIndexOf(':')], int.Parse(monitor[(monitor.LastIndexOf(':') + 1)..],
                    System.Globalization.CultureInfo.InvariantCulture), time, cancellationToken).ConfigureAwait(false)
                : null;
            foreach (string name in entry.InstanceNames) targets.Add(Create(entry, name, host: attached, timeProvider: time));
        }
        return targets;
    }

    /// <summary>
    /// One target of a bench entry, not started. <paramref name="image"/> replaces the bench's firmware
    /// (a scenario's firmware variant: run by emulators and the rig, flashed by a board's flash_command).
    /// </summary>
    public static ITarget Create(BenchTarget entry, string name, string? image = null, string? mac = null, RenodeHost? host = null,
        TimeProvider? timeProvider = null)
    {
        TimeProvider time = timeProvider ?? TimeProvider.System;
        image ??= entry.Firmware?.Image;
        if (entry.Rig is string rig)
            return new PtyRigTarget(new PtyRigTargetOptions
            {
                Name = name, TimeProvider = time, ClockMode = entry.Clock, FirmwareImage = image, Mac = mac,
                Node = rig == "qemu" ? PtyRigNode.Qemu : PtyRigNode.Native, GrantDeviceTime = true,
            });
        switch (entry.Backend)
        {
            case "serial":
                BenchSerial serial = entry.Serial!;
                return new SerialTarget(new SerialTargetOptions
                {
                    Name = name, TimeProvider = time, Devices = serial.Devices, BaudRate = serial.Baud, HardwareFlowControl = serial.RtsCts,
                    ChannelNames = ChannelNames.Default.Where(serial.Devices.ContainsKey).ToArray(),
                    Reset = serial.Reset switch { "dtr" => SerialReset.DtrPulse, "rts" => SerialReset.RtsPulse, "command" => SerialReset.Command, _ => SerialReset.None },
                    ResetCommand = serial.ResetCommand, FlashCommand = serial.FlashCommand, FirmwareImage = image,
                });
            case "renode":
                var renode = new RenodeTargetOptions { Name = name, TimeProvider = time, ClockMode = entry.Clock, Host = host, Quantum = entry.Renode?.Quantum };
                if (entry.Renode?.Platform is string platform) renode = renode with { PlatformPath = platform };
                return new RenodeTarget(image is null ? renode : renode with { ElfPath = image });
            case "native":
                return new NativeTarget(image is null
                    ? new NativeTargetOptions { Name = name, ClockMode = entry.Clock, TimeProvider = time, Mac = mac }
                    : new NativeTargetOptions { Name = name, ClockMode = entry.Clock, TimeProvider = time, Mac = mac, ExecutablePath = image });
            case "qemu":
                // With its GDB server: scenarios write audio clips into the node's RAM through it (HiveAudio).
                // Scenario nodes: device time passes only as the scenario lets it (QemuLockstep.AdvanceAsync).
                var qemu = new QemuTargetOptions { Name = name, ClockMode = entry.Clock, TimeProvider = time, Mac = mac, GdbServer = true, GrantDeviceTime = true };
                return new QemuTarget(image is null ? qemu : qemu with { ElfPath = image });
            default:
                return TargetFactory.Create(entry.Backend, name, entry.Clock, image, time);
        }
    }
}
