using Hil.Gherkin.Runtime;
using Hil.Harness.Support;
using Hil.Steps.Drivers;

namespace Hil.Cli.Benchmarks;

/// <summary>
/// Per-scenario split of wall time into waiting on the system under test (<see cref="WaitMeter"/>: a node's
/// replies, boot and virtual clock, the platform's answers) and the harness's own overhead (the rest:
/// step matching, hooks, starting processes, getting the in-process platform, evidence, cleanup); getting and giving
/// back the platform (<see cref="ScenarioPlatform.StartStopTime"/>: waiting for the pool's spare) is also shown apart.
/// </summary>
internal sealed class SuiteTiming
{
    private readonly List<ScenarioTiming> _scenarios = new();
    private TimeSpan _mark, _platformMark;

    public IReadOnlyList<ScenarioTiming> Scenarios => _scenarios;

    /// <summary>The same overhead cut by step binding and hook stretch, summed over the run.</summary>
    public OverheadBreakdown Breakdown { get; } = new();

    /// <summary>Listens to a round's runner: each finished scenario takes the waits since the previous one finished.</summary>
    public void Observe(GherkinRunner runner)
    {
        _mark = WaitMeter.Total;
        _platformMark = ScenarioPlatform.StartStopTime;
        runner.ScenarioFinished += OnFinished;
        Breakdown.Observe(runner);
    }

    private void OnFinished(ScenarioResult result)
    {
        TimeSpan total = WaitMeter.Total, platformTotal = ScenarioPlatform.StartStopTime;
        TimeSpan waited = total - _mark, platform = platformTotal - _platformMark;
        (_mark, _platformMark) = (total, platformTotal);
        if (result.Status == ScenarioStatus.Skipped && result.Duration == TimeSpan.Zero) return; // not selected
        TimeSpan inScenario = waited < result.Duration ? waited : result.Duration;
        TimeSpan overhead = result.Duration - inScenario;
        _scenarios.Add(new ScenarioTiming(result.Scenario.DisplayName, result.Status, result.Duration, inScenario, overhead,
            platform < overhead ? platform : overhead));
    }
}

/// <summary>
/// One scenario's wall time, the part spent waiting on nodes and platform, and the rest (harness overhead), of which
/// <paramref name="PlatformStartStop"/> went into getting and giving back the scenario's in-process broker and backend.
/// </summary>
internal sealed record ScenarioTiming(string Name, ScenarioStatus Status, TimeSpan Wall, TimeSpan Waiting, TimeSpan Overhead, TimeSpan PlatformStartStop)
{
    public TimeSpan OverheadBesidesPlatform => Overhead - PlatformStartStop;
}
