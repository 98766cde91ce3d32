using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Hooks;

/// <summary>When a scenario fails, every node's transcripts and link traffic go with the result (report, test output).</summary>
[Binding]
public sealed class EvidenceHooks(ScenarioContext scenario, NodeFleet fleet)
{
    [AfterScenario(Order = 0)]
    public void AttachEvidenceOnFailure()
    {
        if (scenario.TestError is null) return;
        foreach (FleetNode node in fleet.Nodes) scenario.Attach($"evidence of {node.Name}", node.Evidence());
    }
}
