using System.Diagnostics;
using Hil.Gherkin.Model;
using Hil.Gherkin.Runtime;
using Hil.Harness.Support;

namespace Hil.Cli.Benchmarks;

/// <summary>
/// Where a run's harness overhead goes: every scenario cut into stretches (its BeforeScenario hooks, each step by its
/// binding, the hooks between steps, the AfterScenario hooks and clean-up), each stretch's wall time minus the time
/// the harness was waiting on the system under test (<see cref="WaitMeter"/>), summed over the run by stretch.
/// The stretches of a scenario add up to its overhead in <see cref="SuiteTiming"/>.
/// </summary>
internal sealed class OverheadBreakdown
{
    public const string BeforeSteps = "before the first step (BeforeScenario hooks)";
    public const string BetweenSteps = "between steps (AfterStep / BeforeStep hooks)";
    public const string AfterSteps = "after the last step (AfterScenario hooks, stopping nodes, giving back the platform)";

    private readonly Dictionary<string, Part> _parts = new(StringComparer.Ordinal);
    private string? _current; // the stretch under way; null between scenarios
    private long _since;
    private TimeSpan _waitedSince;

    /// <summary>Every stretch seen, by name.</summary>
    public IReadOnlyDictionary<string, Part> Parts => _parts;

    public void Observe(GherkinRunner runner)
    {
        runner.ScenarioStarting += _ => Begin(BeforeSteps);
        runner.StepStarting += (_, _) => Close(next: "");
        runner.StepFinished += (_, step) => Close(next: BetweenSteps, name: step.Binding ?? $"unmatched step \"{step.Step.Text}\"");
        runner.ScenarioFinished += _ => Close(next: null, name: _current == BetweenSteps ? AfterSteps : null);
    }

    private void Begin(string part)
    {
        _current = part;
        _since = Stopwatch.GetTimestamp();
        _waitedSince = WaitMeter.Total;
    }

    /// <summary>Ends the stretch under way (named <paramref name="name"/>, else as it was begun) and begins <paramref name="next"/>.</summary>
    private void Close(string? next, string? name = null)
    {
        if (_current is null) return; // a scenario recorded without running (not selected)
        TimeSpan wall = Stopwatch.GetElapsedTime(_since), waited = WaitMeter.Total - _waitedSince;
        string part = name ?? _current;
        if (part.Length > 0)
        {
            if (!_parts.TryGetValue(part, out Part? sum)) _parts[part] = sum = new Part();
            sum.Add(wall - (waited < wall ? waited : wall));
        }
        if (next is null) _current = null;
        else Begin(next);
    }

    /// <summary>One kind of stretch over the run: how often, its overhead in all, and its largest.</summary>
    public sealed class Part
    {
        public int Count { get; private set; }
        public TimeSpan Total { get; private set; }
        public TimeSpan Max { get; private set; }

        public void Add(TimeSpan overhead)
        {
            Count++;
            Total += overhead;
            if (overhead > Max) Max = overhead;
        }
    }
}
