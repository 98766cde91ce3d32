using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Hooks;

/// <summary>When a scenario fails, its evidence (<see cref="ScenarioEvidence"/>) goes with the result: the failure message, the reports.</summary>
[Binding]
public sealed class EvidenceHooks(ScenarioContext scenario, NodeFleet fleet, ScenarioPlatform platform)
{
    [AfterScenario(Order = 0)]
    public async Task AttachEvidenceOnFailure()
    {
        if (scenario.TestError is null) return;
        foreach (Attachment piece in await ScenarioEvidence.CollectAsync(fleet.Nodes, platform)) scenario.Attach(piece.Name, piece.Content);
    }
}
