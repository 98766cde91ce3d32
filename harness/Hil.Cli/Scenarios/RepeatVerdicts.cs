using Hil.Gherkin.Runtime;

namespace Hil.Cli.Scenarios;

/// <summary>
/// Compares the verdicts of the rounds of `hil run --repeat N`: a scenario whose status is not the
/// same in every round is flaky (or the harness is), and is named with the rounds of each status.
/// </summary>
internal sealed class RepeatVerdicts
{
    private readonly List<IReadOnlyList<ScenarioResult>> _rounds = new();

    public void AddRound(IReadOnlyList<ScenarioResult> results) => _rounds.Add(results);

    public int Rounds => _rounds.Count;

    /// <summary>Each scenario (by location, in first-round order) whose status differed between rounds, with the rounds per status.</summary>
    public IReadOnlyList<DifferingVerdict> Differing()
    {
        var byScenario = new Dictionary<string, (string Name, Dictionary<ScenarioStatus, List<int>> Rounds)>();
        var order = new List<string>();
        for (int round = 0; round < _rounds.Count; round++)
        {
            foreach (ScenarioResult result in _rounds[round])
            {
                string key = result.Scenario.Location;
                if (!byScenario.TryGetValue(key, out var entry))
                {
                    entry = (result.Scenario.DisplayName, new Dictionary<ScenarioStatus, List<int>>());
                    byScenario[key] = entry;
                    order.Add(key);
                }
                if (!entry.Rounds.TryGetValue(result.Status, out List<int>? rounds)) entry.Rounds[result.Status] = rounds = new List<int>();
                rounds.Add(round + 1);
            }
        }
        return order
            .Select(key => (Key: key, Entry: byScenario[key]))
            .Where(s => s.Entry.Rounds.Count > 1 || s.Entry.Rounds.Values.Sum(r => r.Count) != _rounds.Count)
            .Select(s => new DifferingVerdict(s.Entry.Name, s.Key,
                s.Entry.Rounds.OrderBy(p => p.Key).ToDictionary(p => p.Key, p => (IReadOnlyList<int>)p.Value), _rounds.Count))
            .ToArray();
    }

    /// <summary>"20 rounds: identical verdicts (7 passed, 0 failed, 33 skipped each round)", or the scenarios that differed.</summary>
    public string Summary()
    {
        IReadOnlyList<DifferingVerdict> differing = Differing();
        if (differing.Count == 0)
        {
            IReadOnlyList<ScenarioResult> first = _rounds.Count > 0 ? _rounds[0] : [];
            return $"{_rounds.Count} rounds: identical verdicts ({Count(first, ScenarioStatus.Passed)} passed, " +
                   $"{Count(first, ScenarioStatus.Failed)} failed, {Count(first, ScenarioStatus.Skipped)} skipped each round)";
        }
        return $"{_rounds.Count} rounds: verdicts differed for {differing.Count} scenario(s):\n" +
               string.Join("\n", differing.Select(d => "  " + d));
    }

    private static int Count(IReadOnlyList<ScenarioResult> results, ScenarioStatus status) => results.Count(r => r.Status == status);
}

/// <summary>One scenario whose verdict was not the same in every round: the rounds of each status (1-based).</summary>
internal sealed record DifferingVerdict(string Name, string Location, IReadOnlyDictionary<ScenarioStatus, IReadOnlyList<int>> RoundsByStatus, int Rounds)
{
    public override string ToString()
    {
        int seen = RoundsByStatus.Values.Sum(r => r.Count);
        string missing = seen < Rounds ? $"; not run in {Rounds - seen} round(s)" : "";
        return $"{Name} ({Location}): " +
               string.Join(", ", RoundsByStatus.Select(p => $"{p.Key.ToString().ToLowerInvariant()} in {p.Value.Count} (round{(p.Value.Count == 1 ? "" : "s")} {RoundList(p.Value)})")) +
               missing;
    }

    private static string RoundList(IReadOnlyList<int> rounds) =>
        rounds.Count <= 10 ? string.Join(", ", rounds) : $"{string.Join(", ", rounds.Take(10))}, ...";
}
