using System.Text.RegularExpressions;
using Hil.Cli.Scenarios;
using Hil.Gherkin.Bindings;
using Hil.Gherkin.Model;
using Hil.Gherkin.Runtime;

namespace Hil.Cli.Tests;

public sealed class RepeatVerdictsTests
{
    private static readonly FeatureInfo Feature = new("Console", "", "Features/console.feature", []);
    private static readonly ScenarioCase Version = new(Feature, "version", 3, [], [], new Dictionary<string, string>());
    private static readonly ScenarioCase Status = new(Feature, "status", 9, [], [], new Dictionary<string, string>());
    private static readonly ScenarioCase Slow = new(Feature, "soak", 15, ["@slow"], [], new Dictionary<string, string>());

    private static ScenarioResult Result(ScenarioCase scenario, ScenarioStatus status) =>
        new(scenario, status, [], TimeSpan.FromMilliseconds(5), DateTimeOffset.UnixEpoch, [], status == ScenarioStatus.Failed ? "failed" : null);

    [Test]
    public void Rounds_with_the_same_verdicts_are_reported_identical_with_the_counts_of_a_round()
    {
        var verdicts = new RepeatVerdicts();
        for (int round = 0; round < 3; round++)
            verdicts.AddRound([Result(Version, ScenarioStatus.Passed), Result(Status, ScenarioStatus.Passed), Result(Slow, ScenarioStatus.Skipped)]);

        Assert.That(verdicts.Differing(), Is.Empty);
        Assert.That(verdicts.Summary(), Is.EqualTo("3 rounds: identical verdicts (2 passed, 0 failed, 1 skipped each round)"));
    }

    [Test]
    public void A_scenario_that_failed_in_one_round_is_named_with_the_rounds_of_each_verdict()
    {
        var verdicts = new RepeatVerdicts();
        verdicts.AddRound([Result(Version, ScenarioStatus.Passed), Result(Status, ScenarioStatus.Passed)]);
        verdicts.AddRound([Result(Version, ScenarioStatus.Passed), Result(Status, ScenarioStatus.Failed)]);
        verdicts.AddRound([Result(Version, ScenarioStatus.Passed), Result(Status, ScenarioStatus.Passed)]);

        IReadOnlyList<DifferingVerdict> differing = verdicts.Differing();

        Assert.That(differing.Select(d => d.Location), Is.EqualTo(new[] { "Features/console.feature:9" }));
        Assert.That(verdicts.Summary(), Is.EqualTo(
            "3 rounds: verdicts differed for 1 scenario(s):\n" +
            "  Console: status (Features/console.feature:9): passed in 2 (rounds 1, 3), failed in 1 (round 2)"));
    }

    [Test]
    public void A_scenario_missing_from_a_round_counts_as_differing()
    {
        var verdicts = new RepeatVerdicts();
        verdicts.AddRound([Result(Version, ScenarioStatus.Passed), Result(Status, ScenarioStatus.Passed)]);
        verdicts.AddRound([Result(Version, ScenarioStatus.Passed)]);

        Assert.That(verdicts.Summary(), Does.EndWith("Console: status (Features/console.feature:9): passed in 1 (round 1); not run in 1 round(s)"));
    }

    [Test]
    public async Task Repeated_runs_of_real_scenarios_give_identical_verdicts_and_counts_that_add_up()
    {
        const int rounds = 3;
        string report = Path.Combine(Path.GetTempPath(), $"hil-repeat-{Guid.NewGuid():N}");
        try
        {
            CliProcess.Result result = await CliProcess.RunAsync("run", "--repeat", rounds.ToString(), "--tags", "@smoke and @console", "--report", report);

            Assert.That(result.ExitCode, Is.Zero, result.StandardOutput + result.StandardError);
            Match perRound = Regex.Match(result.StandardOutput, @$"\n{rounds} rounds: identical verdicts \((\d+) passed, 0 failed, (\d+) skipped each round\)\n");
            Assert.That(perRound.Success, result.StandardOutput);
            int passed = int.Parse(perRound.Groups[1].Value), skipped = int.Parse(perRound.Groups[2].Value);
            Assert.That(passed, Is.GreaterThan(0));
            Assert.That(result.StandardOutput.TrimEnd(), Does.EndWith($"\n{rounds * passed} passed, 0 failed, {rounds * skipped} skipped"),
                "the totals are the rounds' counts added up");
            Assert.That(Regex.Matches(result.StandardOutput, @"^round \d+ of 3$", RegexOptions.Multiline), Has.Count.EqualTo(rounds));
        }
        finally
        {
            if (Directory.Exists(report)) Directory.Delete(report, recursive: true);
        }
    }
}
