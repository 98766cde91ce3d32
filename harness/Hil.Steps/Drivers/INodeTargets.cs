using Hil.Harness.Targets;

namespace Hil.Steps.Drivers;

/// <summary>Node <paramref name="Number"/> of a scenario (1-based), asked for with <paramref name="Spec"/>, with its MAC (its id).</summary>
public sealed record NodeRequest(int Number, NodeSpec Spec, string Mac);

/// <summary>
/// Where a scenario's nodes come from: emulated targets made on demand (<see cref="EmulatedNodeTargets"/>:
/// `hil run --target native|qemu|serial`) or the targets of a bench file (<see cref="BenchNodeTargets"/>:
/// `hil run --bench FILE`). Steps never know which.
/// </summary>
public interface INodeTargets
{
    /// <summary>For run headers and reports: "the native target", "bench 'pty-rig'".</summary>
    string Description { get; }

    /// <summary>
    /// The target (not started) for node <see cref="NodeRequest.Number"/> running the firmware the
    /// spec asks for; throws <see cref="Hil.Gherkin.Runtime.ScenarioSkippedException"/> with the reason when it cannot.
    /// </summary>
    Task<ITarget> CreateAsync(NodeRequest request, CancellationToken cancellationToken = default);
}
