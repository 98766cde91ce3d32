using Hil.Gherkin.Runtime;
using Hil.Harness.Bench;
using Hil.Harness.Firmware;
using Hil.Harness.Targets;

namespace Hil.Steps.Drivers;

/// <summary>
/// A bench's targets are the scenario's nodes: node N of a scenario is target N of the bench (in
/// file order, `count` expanded). A scenario needing more nodes than the bench has is skipped,
/// and so is one asking for a firmware variant a board cannot be given: emulators and the pty rig
/// run any image, a physical board only through its `flash_command`. Each scenario opens (and
/// the rig freshly builds) its boards, and closes them when it ends.
/// </summary>
public sealed class BenchNodeTargets : INodeTargets
{
    private readonly Bench _bench;
    private readonly IReadOnlyList<(BenchTarget Entry, string Name)> _targets;

    public BenchNodeTargets(Bench bench)
    {
        _bench = bench;
        _targets = bench.Targets.SelectMany(t => t.InstanceNames.Select(n => (t, n))).ToArray();
    }

    public string Description => $"bench '{_bench.Name}' ({string.Join(", ", _targets.Select(t => $"{t.Name}: {Kind(t.Entry)}"))})";

    public async Task<ITarget> CreateAsync(NodeRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Number > _targets.Count)
            throw new ScenarioSkippedException($"the scenario needs node {request.Number} but bench '{_bench.Name}' has {_targets.Count} target(s)");
        (BenchTarget entry, string name) = _targets[request.Number - 1];
        var variant = new FirmwareVariant(Board(entry), request.Spec.FirmwareVersion, request.Spec.ProtocolVersion);
        if (variant.IsDefault) return BenchTargets.Create(entry, name, mac: request.Mac);
        if (!entry.CanFlash)
            throw new ScenarioSkippedException($"the scenario needs firmware {variant.FirmwareVersion} (protocol v{variant.ProtocolVersion}) on node {request.Number}, " +
                                               $"but board '{name}' has no flash_command in bench '{_bench.Name}'");
        string image = await FirmwareBuilder.EnsureAsync(variant, cancellationToken);
        return BenchTargets.Create(entry, name, image, request.Mac);
    }

    private static string Board(BenchTarget entry) => entry.Backend == "native" || entry.Rig == "native" ? "native" : "stm32f4";

    private static string Kind(BenchTarget entry) => entry.Rig is null ? entry.Backend : $"serial, {entry.Rig} behind ptys";
}
