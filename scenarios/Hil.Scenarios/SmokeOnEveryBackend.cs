using Hil.Gherkin.Expressions;
using Hil.Gherkin.Model;
using Hil.Gherkin.Runtime;
using Hil.Steps;
using Hil.Steps.Drivers;

namespace Hil.Scenarios;

/// <summary>
/// One scenario, every backend: the @smoke scenarios, unchanged, on the native target, on QEMU and
/// on the serial target reading a native node through socat pty pairs (the CI rig's board).
/// </summary>
[NonParallelizable]
public sealed class SmokeOnEveryBackend
{
    private static readonly TagExpression Smoke = TagExpression.Parse("@smoke");

    [TestCase("native")]
    [TestCase("qemu")]
    [TestCase("serial")]
    public async Task The_smoke_scenarios_pass(string backend)
    {
        IReadOnlyList<ScenarioCase> smoke = FeatureLoader.LoadDirectory(Path.Combine(AppContext.BaseDirectory, "Features"), AppContext.BaseDirectory)
            .Where(s => Smoke.Matches(s.Tags)).ToArray();
        Assert.That(smoke, Is.Not.Empty, "no @smoke scenario under Features/");
        var settings = new HarnessSettings { Backend = backend };
        settings.Validate();
        await using var runner = new GherkinRunner(StepCatalogue.Bindings);
        runner.RegisterInstance(settings);

        var results = new List<ScenarioResult>();
        foreach (ScenarioCase scenario in smoke) results.Add(await runner.RunAsync(scenario));

        Assert.That(results.Where(r => r.Status != ScenarioStatus.Passed)
            .Select(r => $"{r.Scenario.DisplayName}: {r.Status} {r.SkipReason}{r.FailureMessage}"), Is.Empty);
        Assert.That(results.Select(r => r.Scenario.DisplayName), Is.EquivalentTo(smoke.Select(s => s.DisplayName)));
    }
}
