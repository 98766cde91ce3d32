namespace Hil.Steps.Drivers;

/// <summary>
/// What a run is pointed at, registered once per test run: `hil run --target` (or HIL_TARGET for
/// `dotnet test`), or `hil run --bench FILE` (<see cref="Targets"/> is then a <see cref="BenchNodeTargets"/>).
/// Scenarios that name a target themselves ("on the qemu target") get that emulated target.
/// </summary>
public sealed class HarnessSettings
{
    public string Backend { get; init; } = Environment.GetEnvironmentVariable("HIL_TARGET") is { Length: > 0 } target ? target : "native";

    /// <summary>Where the scenario's nodes come from; default: targets of <see cref="Backend"/> made on demand.</summary>
    public INodeTargets? Targets { get; init; }

    public INodeTargets NodeTargets => Targets ?? new EmulatedNodeTargets(Backend);

    /// <summary>How long a step may wait in wall time for the node to react (device time is separate).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public void Validate()
    {
        if (Targets is null && !EmulatedNodeTargets.Backends.Contains(Backend))
            throw new ArgumentException($"Unknown target '{Backend}'. Known targets: {string.Join(", ", EmulatedNodeTargets.Backends)}.");
    }
}
