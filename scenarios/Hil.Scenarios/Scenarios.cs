using Hil.Gherkin.Expressions;
using Hil.Gherkin.Model;
using Hil.Gherkin.Runtime;
using Hil.Steps;
using Hil.Steps.Drivers;

namespace Hil.Scenarios;

/// <summary>
/// Each scenario of Features/ (copied next to this assembly) as its own NUnit test, named
/// "Feature: scenario". HIL_TAGS selects (default "not @slow and not @wip"; others are shown as ignored),
/// HIL_TARGET picks the target (default native).
/// </summary>
[NonParallelizable]
public sealed class Scenarios
{
    private static readonly Lazy<GherkinRunner> Runner = new(() =>
    {
        var settings = new HarnessSettings();
        settings.Validate();
        var runner = new GherkinRunner(StepCatalogue.Bindings);
        runner.RegisterInstance(settings);
        return runner;
    });

    private static TagExpression Selection => TagExpression.Parse(Environment.GetEnvironmentVariable("HIL_TAGS") ?? StepCatalogue.DefaultTags);

    public static IEnumerable<TestCaseData> All() =>
        FeatureLoader.LoadDirectory(Path.Combine(AppContext.BaseDirectory, "Features"), AppContext.BaseDirectory)
            .Select(scenario => new TestCaseData(scenario).SetName(scenario.DisplayName).SetCategory(scenario.Feature.FilePath));

    [TestCaseSource(nameof(All))]
    public async Task Scenario(ScenarioCase scenario)
    {
        if (!Selection.Matches(scenario.Tags)) Assert.Ignore($"not selected by \"{Selection}\" (tags: {string.Join(" ", scenario.Tags)}); set HIL_TAGS to run it");
        ScenarioResult result = await Runner.Value.RunAsync(scenario);
        if (result.Status == ScenarioStatus.Failed) Assert.Fail(result.FailureMessage ?? "failed");
        if (result.Status == ScenarioStatus.Skipped) Assert.Ignore(result.SkipReason ?? "skipped");
        TestContext.Out.WriteLine($"{scenario.Location}: passed in {result.Duration.TotalMilliseconds:0} ms ({result.Steps.Count} steps)");
    }

    [OneTimeTearDown]
    public static async Task EndRunAsync()
    {
        if (Runner.IsValueCreated) await Runner.Value.DisposeAsync();
    }
}
