using Hil.Gherkin.Runtime;
using Hil.Gherkin.Tests.Bindings;

namespace Hil.Gherkin.Tests.Runtime;

public sealed class RunnerTests
{
    [Test]
    public async Task Each_examples_row_of_an_outline_is_its_own_scenario_with_values_substituted()
    {
        var outcome = await FeatureRun.RunAsync("Outline.feature", null, typeof(OutlineSteps));

        Assert.That(outcome.Results.Select(r => r.Scenario.Name), Is.EqualTo(new[]
        {
            "a node speaking protocol v1", "a node speaking protocol v2", "a node speaking protocol v3",
            "no placeholder in the name [version=7]",
        }));
        Assert.That(outcome.Results.Select(r => r.Status), Is.All.EqualTo(ScenarioStatus.Passed));
        Assert.That(outcome.Log, Is.EqualTo(new[] { "v1 fw=1.4.2", "v2 fw=2.1.0", "v3 fw=3.0.0", "v7 fw=x" }));
        Assert.That(outcome.Results[2].Scenario.Tags, Is.EqualTo(new[] { "@fast" }), "an Examples block's tags belong to its rows");
        Assert.That(outcome.Results[1].Scenario.Location, Is.EqualTo("Features/Outline.feature:9"), "a row's location is its line");
    }

    [Test]
    public async Task Background_steps_run_first_in_every_scenario_with_fresh_scenario_state()
    {
        var outcome = await FeatureRun.RunAsync("Background.feature", null, typeof(CounterSteps));

        Assert.That(outcome.Results.Select(r => r.Status), Is.All.EqualTo(ScenarioStatus.Passed));
        Assert.That(outcome.Results[0].Steps[0].Step.FromBackground, Is.True);
        Assert.That(outcome.Log, Is.EqualTo(new[] { "counter=10", "counter=10" }));
    }

    [TestCase("@smoke", new[] { "fast one", "slow smoke" })]
    [TestCase("@smoke and not @slow", new[] { "fast one" })]
    [TestCase("not @smoke and not @slow", new[] { "untagged" })]
    [TestCase("@slow or (@smoke and not @slow)", new[] { "fast one", "slow smoke", "slow one" })]
    [TestCase("@area and not (@slow or @smoke)", new[] { "untagged" })]
    [TestCase("", new[] { "fast one", "slow smoke", "slow one", "untagged" })]
    public async Task A_tag_expression_selects_scenarios_and_feature_tags_are_inherited(string tags, string[] expected)
    {
        var outcome = await FeatureRun.RunAsync("Tags.feature", tags, typeof(CounterSteps));

        Assert.That(outcome.Results.Where(r => r.Status == ScenarioStatus.Passed).Select(r => r.Scenario.Name), Is.EqualTo(expected));
        Assert.That(outcome.Results.Where(r => r.Status == ScenarioStatus.Skipped).Select(r => r.SkipReason),
            Is.All.EqualTo($"not selected by {tags}".TrimEnd()));
    }

    [Test]
    public async Task Data_tables_and_doc_strings_reach_the_step_as_its_last_argument()
    {
        var outcome = await FeatureRun.RunAsync("Tables.feature", null, typeof(TableSteps));

        Assert.That(outcome.Results.Select(r => r.FailureMessage), Is.All.Null);
        Assert.That(outcome.Log, Is.EqualTo(new[] { "sum=49.5", "{\"v\":2,\n \"seq\":42}", "sum=12.5" }));
    }

    [Test]
    public async Task Hooks_run_in_order_within_their_tag_scope()
    {
        var outcome = await FeatureRun.RunAsync("Hooks.feature", null, typeof(CounterSteps), typeof(RecordingHooks));

        Assert.That(outcome.Log, Is.EqualTo(new[]
        {
            "before run",
            "before feature Hooks",
            "before scenario (order 1) tagged",
            "before scenario (order 2) tagged",
            "before tagged scenario tagged",
            "before step a counter at 1", "counter=1", "after step a counter at 1",
            "before step the counter is increased by 1", "after step the counter is increased by 1",
            "after scenario tagged error=False",
            "before scenario (order 1) untagged",
            "before scenario (order 2) untagged",
            "counter=1",
            "after scenario untagged error=False",
            "after feature Hooks",
            "after run",
        }));
    }

    [Test]
    public async Task An_undefined_step_fails_with_the_snippet_to_paste()
    {
        var outcome = await FeatureRun.RunAsync("Undefined.feature", null, typeof(CounterSteps));

        ScenarioResult result = outcome.Results.Single();
        Assert.That(result.Status, Is.EqualTo(ScenarioStatus.Failed));
        Assert.That(result.Steps.Select(s => s.Status), Is.EqualTo(new[] { StepStatus.Passed, StepStatus.Undefined, StepStatus.Skipped }));
        Assert.That(result.FailureMessage, Does.Contain("Features/Undefined.feature:4"));
        Assert.That(result.FailureMessage, Does.Contain(
            "[When(\"the node sends {int} readings of {string} at {float} Hz\")]\n" +
            "public async Task WhenTheNodeSendsReadingsOfAtHz(int int1, string string2, double float3)\n"));
    }

    [Test]
    public async Task An_ambiguous_step_lists_every_matching_binding()
    {
        var outcome = await FeatureRun.RunAsync("Ambiguous.feature", null, typeof(CounterSteps), typeof(AnswerSteps));

        ScenarioResult result = outcome.Results.Single();
        Assert.That(result.Steps[1].Status, Is.EqualTo(StepStatus.Ambiguous));
        Assert.That(result.FailureMessage, Does.Contain("AnswerSteps.ThenTheAnswerIsInt(Int32)"));
        Assert.That(result.FailureMessage, Does.Contain("AnswerSteps.ThenTheAnswerIsRegex(Int32)"));
        Assert.That(result.FailureMessage, Does.Contain("Features/Ambiguous.feature:4"));
    }

    [Test]
    public async Task A_failing_step_reports_the_step_file_line_and_evidence_and_skips_the_rest()
    {
        var outcome = await FeatureRun.RunAsync("Failing.feature", null, typeof(CounterSteps), typeof(EvidenceHooks));

        ScenarioResult result = outcome.Results.Single();
        Assert.That(result.Steps.Select(s => s.Status), Is.EqualTo(new[] { StepStatus.Passed, StepStatus.Passed, StepStatus.Failed, StepStatus.Skipped }));
        Assert.That(result.FailureMessage, Does.Contain("Step \"Then the counter is 4\" failed (Features/Failing.feature:7)"));
        Assert.That(result.FailureMessage, Does.Contain("the counter is 3, not 4"));
        Assert.That(result.FailureMessage, Does.Contain("--- console of node-1 ---\n  | line one\n  | line two"));
        Assert.That(result.Attachments.Single().Name, Is.EqualTo("console of node-1"));
    }
}
