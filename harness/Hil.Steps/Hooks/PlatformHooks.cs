using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Hooks;

/// <summary>Scenarios tagged @platform bridge their nodes to the scenario's broker and backend from the first node on.</summary>
[Binding]
public sealed class PlatformHooks(ScenarioPlatform platform)
{
    [BeforeScenario("@platform")]
    public void UseThePlatform() => platform.Wanted = true;
}
