using Hil.Harness.Clocks;
using Hil.Harness.Firmware;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Native;
using Hil.Harness.Targets.PtyRig;
using Hil.Harness.Targets.Qemu;
using Hil.Harness.Targets.Renode;

namespace Hil.Steps.Drivers;

/// <summary>
/// Nodes made on demand on one backend, on virtual time, with the firmware variant each scenario
/// asks for built as needed. "renode" needs Renode installed (RENODE or PATH); QEMU and Renode run the same STM32F4 ELF. "serial" is the CI rig's board: a native node behind socat pty pairs,
/// opened by the serial target (<see cref="PtyRigTarget"/>).
/// </summary>
public sealed class EmulatedNodeTargets(string backend) : INodeTargets
{
    /// <summary>The backends `--target` accepts.</summary>
    public static IReadOnlyList<string> Backends { get; } = ["native", "qemu", "renode", "serial"];

    public string Backend { get; } = Backends.Contains(backend) ? backend
        : throw new ArgumentException($"Unknown target '{backend}'. Known targets: {string.Join(", ", Backends)}.");

    public string Description => Backend == "serial" ? "the serial target (a native node behind socat ptys)" : $"the {Backend} target";

    public async Task<ITarget> CreateAsync(NodeRequest request, CancellationToken cancellationToken = default)
    {
        string board = Backend is "qemu" or "renode" ? "stm32f4" : "native";
        string image = await FirmwareBuilder.EnsureAsync(new FirmwareVariant(board, request.Spec.FirmwareVersion, request.Spec.ProtocolVersion), cancellationToken);
        string name = $"node-{request.Number}";
        return Backend switch
        {
            "native" => new NativeTarget(new NativeTargetOptions { Name = name, ClockMode = ClockMode.Virtual, ExecutablePath = image, Mac = request.Mac }),
            // The GDB server is the bulk-audio fast path (HiveAudio): clips reach the node faster than real time.
            "qemu" => new QemuTarget(new QemuTargetOptions { Name = name, ClockMode = ClockMode.Virtual, ElfPath = image, Mac = request.Mac, GdbServer = true, GrantDeviceTime = true }),
            // The run's one Renode (started on first use); its machines share one timeline the harness steps.
            "renode" => new RenodeTarget(new RenodeTargetOptions { Name = name, ClockMode = ClockMode.Virtual, ElfPath = image, Mac = request.Mac }),
            _ => new PtyRigTarget(new PtyRigTargetOptions { Name = name, ClockMode = ClockMode.Virtual, FirmwareImage = image, Mac = request.Mac, GrantDeviceTime = true }),
        };
    }
}
