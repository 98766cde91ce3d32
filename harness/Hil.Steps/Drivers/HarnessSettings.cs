using Hil.Harness.Targets;

namespace Hil.Steps.Drivers;

/// <summary>
/// What a run is pointed at, registered once per test run (`hil run --target`, or HIL_TARGET for
/// `dotnet test`). Scenarios that name a target themselves override it.
/// </summary>
public sealed class HarnessSettings
{
    public string Backend { get; init; } = Environment.GetEnvironmentVariable("HIL_TARGET") is { Length: > 0 } target ? target : "native";

    /// <summary>How long a step may wait in wall time for the node to react (device time is separate).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public void Validate()
    {
        if (!TargetFactory.Backends.Contains(Backend))
            throw new ArgumentException($"Unknown target '{Backend}'. Known targets: {string.Join(", ", TargetFactory.Backends)}.");
    }
}
