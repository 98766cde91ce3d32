using Hil.Gherkin.Expressions;
using Hil.Gherkin.Model;
using Hil.Gherkin.Reports;
using Hil.Gherkin.Runtime;
using Hil.Steps;
using Hil.Steps.Drivers;
using Hil.Steps.Hooks;
using Hil.Steps.Steps;

namespace Hil.Cli.Scenarios;

/// <summary>What `hil run` was asked to do.</summary>
/// <param name="FailFast">Stop at the first failing scenario (the rest are skipped, saying so): `hil mutate` needs only one.</param>
internal sealed record SuiteOptions(HarnessSettings Settings, string Tags, string FeaturesDirectory, int Repeat, string ReportDirectory, bool FailFast = false);

/// <summary>How a run ended: its exit code (0 only when everything selected ran and passed) and every result of every round.</summary>
internal sealed record SuiteOutcome(int ExitCode, IReadOnlyList<ScenarioResult> Results);

/// <summary>Runs the selected scenarios (Repeat times) with the harness's step catalogue, prints progress, writes the reports.</summary>
internal static class SuiteRun
{
    public static async Task<int> RunAsync(SuiteOptions options, CancellationToken cancellationToken) =>
        (await RunAsync(options, observe: null, cancellationToken)).ExitCode;

    /// <param name="observe">Called with each round's runner before it starts (a benchmark listens to its events).</param>
    public static async Task<SuiteOutcome> RunAsync(SuiteOptions options, Action<GherkinRunner>? observe, CancellationToken cancellationToken)
    {
        HarnessSettings settings = options.Settings;
        settings.Validate();
        string where = settings.NodeTargets.Description;
        if (options.Repeat < 1) throw new ArgumentException($"--repeat must be at least 1 (got {options.Repeat}).");
        TagExpression tags = TagExpression.Parse(options.Tags);
        // Each round's platform pool (PlatformHooks) is the run's own, so that the first platform starts before anything
        // else: while the features are parsed (a cold process spends that time compiling) when a selected feature is tagged @platform.
        var pool = new PlatformPool();
        try
        {
            if (PlatformHooks.LikelyUsedBy(options.FeaturesDirectory, tags.Matches)) pool.Expect(1);
            bool Selected(ScenarioCase s) => tags.Matches(s.Tags);
            IReadOnlyList<ScenarioCase> scenarios = PlatformHooks.FeaturesWithoutPlatformFirst(
                FeatureLoader.LoadDirectory(options.FeaturesDirectory, Path.GetDirectoryName(Path.GetFullPath(options.FeaturesDirectory))), Selected);
            int selected = scenarios.Count(Selected);
            int platforms = scenarios.Count(s => Selected(s) && PlatformHooks.UsesThePlatform(s));
            pool.Expect(platforms);
            _ = HiveAudio.SynthesiseAheadAsync(scenarios.Where(Selected).Select(AudioSteps.ClipsAhead));
            Console.WriteLine($"hil run: {selected} of {scenarios.Count} scenarios ({(tags.Source.Length == 0 ? "all" : tags.Source)}) on {where}" +
                              (options.Repeat > 1 ? $", {options.Repeat} rounds" : ""));
            var progress = new SuiteProgress(Console.Out, live: !Console.IsOutputRedirected);
            var all = new List<ScenarioResult>();
            DateTimeOffset startedAt = TimeProvider.System.GetUtcNow();
            long start = TimeProvider.System.GetTimestamp();
            var verdicts = new RepeatVerdicts();
            for (int round = 1; round <= options.Repeat; round++)
            {
                if (options.Repeat > 1) Console.WriteLine($"round {round} of {options.Repeat}");
                if (round > 1) (pool = new PlatformPool()).Expect(platforms);
                await using var runner = new GherkinRunner(StepCatalogue.Bindings);
                runner.RegisterInstance(settings);
                runner.RegisterInstance(pool); // drained by the round's AfterTestRun hook
                progress.Attach(runner);
                observe?.Invoke(runner);
                string? stoppedBy = null;
                foreach (ScenarioCase scenario in scenarios)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!Selected(scenario)) runner.Skip(scenario, $"not selected by \"{tags}\"");
                    else if (stoppedBy is not null) runner.Skip(scenario, $"not run: --fail-fast stopped at \"{stoppedBy}\"");
                    else
                    {
                        await runner.RunAsync(scenario, cancellationToken);
                        if (options.FailFast && runner.Results[^1].Status == ScenarioStatus.Failed) stoppedBy = scenario.Name;
                    }
                }
                all.AddRange(runner.Results);
                verdicts.AddRound(runner.Results);
            }
            var run = new ReportRun($"HIL Harness — {where}, {(tags.Source.Length == 0 ? "all scenarios" : tags.Source)}", where, tags.Source,
                startedAt, TimeProvider.System.GetElapsedTime(start), all);
            await ReportWriter.WriteAsync(options.ReportDirectory, run, cancellationToken);
            Console.WriteLine($"reports: {Path.Combine(options.ReportDirectory, "index.html")} (junit.xml, cucumber.json)");
            if (options.Repeat > 1) Console.WriteLine(verdicts.Summary());
            Console.WriteLine(progress.Summary);
            return new SuiteOutcome(progress.Failed == 0 && progress.Passed > 0 ? 0 : 1, all);
        }
        finally
        {
            await pool.DrainAsync(); // a no-op once the round's hooks drained it; else (a failure before the round) the early spare
        }
    }
}
