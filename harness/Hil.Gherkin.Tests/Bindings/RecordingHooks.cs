using Hil.Gherkin.Bindings;

namespace Hil.Gherkin.Tests.Bindings;

/// <summary>Hooks that record when they run, with Order and tag scopes to check.</summary>
[Binding]
public sealed class RecordingHooks(CallLog log, ScenarioContext scenario)
{
    [BeforeTestRun]
    public static void BeforeTestRun(CallLog log) => log.Entries.Add("before run");

    [AfterTestRun]
    public static void AfterTestRun(CallLog log) => log.Entries.Add("after run");

    [BeforeFeature("@hooked")]
    public static void BeforeFeature(CallLog log, FeatureContext feature) => log.Entries.Add($"before feature {feature.FeatureInfo.Title}");

    [AfterFeature]
    public static void AfterFeature(CallLog log, FeatureContext feature) => log.Entries.Add($"after feature {feature.FeatureInfo.Title}");

    [BeforeScenario(Order = 2)]
    public void SecondBeforeScenario() => log.Entries.Add($"before scenario (order 2) {scenario.ScenarioInfo.Title}");

    [BeforeScenario(Order = 1)]
    public void FirstBeforeScenario() => log.Entries.Add($"before scenario (order 1) {scenario.ScenarioInfo.Title}");

    [BeforeScenario("@qemu and @hooked")]
    public void OnlyTagged() => log.Entries.Add($"before tagged scenario {scenario.ScenarioInfo.Title}");

    [BeforeStep("@qemu")]
    public void BeforeStep() => log.Entries.Add($"before step {scenario.CurrentStep!.Text}");

    [AfterStep("@qemu")]
    public void AfterStep() => log.Entries.Add($"after step {scenario.CurrentStep!.Text}");

    [AfterScenario]
    public void AfterScenario() => log.Entries.Add($"after scenario {scenario.ScenarioInfo.Title} error={scenario.TestError is not null}");
}

/// <summary>Attaches evidence when a scenario fails, as the harness's hooks do.</summary>
[Binding]
public sealed class EvidenceHooks(ScenarioContext scenario)
{
    [AfterScenario]
    public void AttachOnFailure()
    {
        if (scenario.TestError is not null) scenario.Attach("console of node-1", "line one\nline two");
    }
}
