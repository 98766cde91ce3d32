using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Hooks;

/// <summary>
/// Scenarios tagged @platform bridge their nodes to the scenario's broker and backend from the first node on.
/// The run's <see cref="PlatformPool"/> starts its spares as the run begins and stops every platform before the run ends.
/// </summary>
[Binding]
public sealed class PlatformHooks(ScenarioPlatform platform)
{
    [BeforeTestRun]
    public static void StartTheFirstPlatform(PlatformPool pool) => pool.Prepare();

    [AfterTestRun]
    public static Task StopEveryPlatform(PlatformPool pool) => pool.DrainAsync();

    [BeforeScenario("@platform")]
    public void UseThePlatform() => platform.Wanted = true;
}
