using Hil.Gherkin.Expressions;
using Hil.Gherkin.Model;
using Hil.Gherkin.Runtime;
using Hil.Gherkin.Tests.Bindings;

namespace Hil.Gherkin.Tests.Runtime;

/// <summary>Runs one of the test feature files against the given bindings, as a whole test run.</summary>
internal static class FeatureRun
{
    public sealed record Outcome(IReadOnlyList<ScenarioResult> Results, List<string> Log);

    public static IReadOnlyList<ScenarioCase> Load(string file) =>
        FeatureLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "Features", file), AppContext.BaseDirectory);

    public static async Task<Outcome> RunAsync(string file, string? tags, params Type[] bindings)
    {
        var log = new CallLog();
        TagExpression filter = TagExpression.Parse(tags);
        await using (var runner = new GherkinRunner(BindingRegistry.FromTypes(bindings)))
        {
            runner.RegisterInstance(log);
            foreach (ScenarioCase scenario in Load(file))
            {
                if (filter.Matches(scenario.Tags)) await runner.RunAsync(scenario);
                else runner.Skip(scenario, $"not selected by {filter}");
            }
            var results = runner.Results;
            await runner.DisposeAsync();
            return new Outcome(results, log.Entries);
        }
    }
}
