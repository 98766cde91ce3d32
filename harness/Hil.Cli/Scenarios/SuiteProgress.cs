using Hil.Gherkin.Model;
using Hil.Gherkin.Runtime;

namespace Hil.Cli.Scenarios;

/// <summary>
/// One line per scenario as it finishes (a failure with its message indented under it). On a
/// terminal the current scenario and step are shown live on the line being written.
/// </summary>
internal sealed class SuiteProgress(TextWriter output, bool live)
{
    private int _passed, _failed, _skipped;

    public int Passed => _passed;
    public int Failed => _failed;
    public int Skipped => _skipped;

    public void Attach(GherkinRunner runner)
    {
        runner.ScenarioFinished += OnFinished;
        if (live) runner.StepStarting += OnStep;
    }

    private void OnStep(ScenarioCase scenario, ScenarioStep step)
    {
        string text = $"  ..    {scenario.DisplayName} › {step}";
        int width = Console.IsOutputRedirected ? 120 : Math.Max(40, Console.WindowWidth - 1);
        output.Write("\r\x1b[K" + (text.Length > width ? text[..width] : text));
    }

    private void OnFinished(ScenarioResult result)
    {
        if (live) output.Write("\r\x1b[K");
        switch (result.Status)
        {
            case ScenarioStatus.Passed:
                _passed++;
                output.WriteLine($"  ok    {result.Scenario.DisplayName} ({result.Duration.TotalMilliseconds:0} ms)");
                break;
            case ScenarioStatus.Failed:
                _failed++;
                output.WriteLine($"  FAIL  {result.Scenario.DisplayName} ({result.Scenario.Location})");
                output.WriteLine("        " + (result.FailureMessage ?? "").Replace("\n", "\n        "));
                break;
            default:
                _skipped++;
                // Skipped while running (a step said why: too few boards, no way to flash), not filtered out by tags.
                if (result.Steps.Any(s => s.Error is not null))
                    output.WriteLine($"  skip  {result.Scenario.DisplayName}: {result.SkipReason}");
                break;
        }
    }

    public string Summary => $"{_passed} passed, {_failed} failed, {_skipped} skipped";
}
