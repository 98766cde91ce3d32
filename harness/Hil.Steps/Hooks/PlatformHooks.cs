using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Hooks;

/// <summary>Scenarios tagged @platform bridge their nodes to the scenario's broker and backend from the first node on.</summary>
[Binding]
public sealed class PlatformHooks(ScenarioContext scenario, ScenarioPlatform platform, NodeFleet fleet)
{
    [BeforeScenario("@platform")]
    public void UseThePlatform() => platform.Wanted = true;

    [AfterScenario(Order = 1)]
    public void AttachPlatformEvidenceOnFailure()
    {
        if (scenario.TestError is null || !platform.IsRunning) return;
        if (fleet.Nodes.Count == 0) scenario.Attach("platform: MQTT traffic and dead letters", platform.Evidence());
        foreach (FleetNode node in fleet.Nodes) scenario.Attach($"platform: MQTT traffic and backend rows of {node.Name}", platform.Evidence(node.NodeId));
    }
}
