using Hil.Gherkin.Bindings;
using Hil.Gherkin.Model;

namespace Hil.Gherkin.Runtime;

public enum StepStatus { Passed, Failed, Skipped, Undefined, Ambiguous }

public enum ScenarioStatus { Passed, Failed, Skipped }

public sealed record StepResult(ScenarioStep Step, StepStatus Status, TimeSpan Duration, string? Binding, Exception? Error);

/// <summary>The outcome of one scenario: every step's status and timing, the evidence attached, and the failure.</summary>
public sealed record ScenarioResult(
    ScenarioCase Scenario,
    ScenarioStatus Status,
    IReadOnlyList<StepResult> Steps,
    TimeSpan Duration,
    DateTimeOffset StartedAt,
    IReadOnlyList<Attachment> Attachments,
    string? FailureMessage,
    string? SkipReason = null)
{
    public static ScenarioResult Skipped(ScenarioCase scenario, string reason, DateTimeOffset at) =>
        new(scenario, ScenarioStatus.Skipped, scenario.Steps.Select(s => new StepResult(s, StepStatus.Skipped, TimeSpan.Zero, null, null)).ToArray(),
            TimeSpan.Zero, at, [], null, reason);
}
