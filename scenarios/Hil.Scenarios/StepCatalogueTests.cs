using Hil.Gherkin.Model;
using Hil.Gherkin.Reports;
using Hil.Gherkin.Runtime;
using Hil.Harness.Support;
using Hil.Steps;

namespace Hil.Scenarios;

/// <summary>docs/steps.md is what the bindings say, and every documented example is a step that works as shown.</summary>
public sealed class StepCatalogueTests
{
    [Test]
    public void Docs_steps_md_is_generated_from_the_current_bindings()
    {
        string path = Path.Combine(RepositoryLayout.Root, "docs", "steps.md");
        string expected = StepDocumentation.Markdown(StepCatalogue.Bindings, "./hil steps");
        Assert.That(File.Exists(path) ? File.ReadAllText(path) : "(missing)", Is.EqualTo(expected), "docs/steps.md is out of date: run ./hil steps");
    }

    public static IEnumerable<TestCaseData> Definitions() =>
        StepCatalogue.Bindings.Steps.Select(d => new TestCaseData(d).SetName($"Example of {d.Kind} {d.Expression.Source}"));

    [TestCaseSource(nameof(Definitions))]
    public void Each_step_has_an_example_that_matches_it_and_nothing_else(StepDefinition definition)
    {
        Assert.That(definition.Examples, Is.Not.Empty, $"{definition.Name} has no [StepExample]");
        var matcher = new StepMatcher(StepCatalogue.Bindings);
        foreach (string example in definition.Examples)
        {
            ScenarioStep step = FeatureLoader.Parse($"Feature: f\n  Scenario: s\n    {example.Replace("\n", "\n    ")}\n", "example").Single().Steps.Single();
            if (step.Kind != definition.Kind) continue; // the example shows the method's other keyword
            Assert.That(matcher.Match(step).Definition.Method, Is.EqualTo(definition.Method), example);
        }
    }
}
