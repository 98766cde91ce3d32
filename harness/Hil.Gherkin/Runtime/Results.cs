using Hil.Gherkin.Bindings;
using Hil.Gherkin.Model;

namespace Hil.Gherkin.Runtime;

public enum StepStatus { Passed, Failed, Skipped, Undefined, Ambiguous }

public enum ScenarioStatus { Passed, Failed, Skipped }

public sealed record StepResult(ScenarioStep Step, StepStatus Status, TimeSpan Duration, string? Binding, Exception? Error);

/// <summary>The outcome of one scenario: every step's status and timing, what its steps measured, the evidence attached, and the failure.</summary>
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
    public IReadOnlyList<Measurement> Measurements { get; init; } = [];

    /// <summary>Each thing that went wrong (a step, a hook, the clean-up), without the evidence <see cref="FailureMessage"/> quotes.</summary>
    public IReadOnlyList<string> Failures { get; init; } = [];

    /// <summary>The step that failed (or was undefined or ambiguous), if one did.</summary>
    public StepResult? FailedStep => Steps.FirstOrDefault(s => s.Status is StepStatus.Failed or StepStatus.Undefined or StepStatus.Ambiguous);

    public static ScenarioResult Skipped(ScenarioCase scenario, string reason, DateTimeOffset at) =>
        new(scenario, ScenarioStatus.Skipped, scenario.Steps.Select(s => new StepResult(s, StepStatus.Skipped, TimeSpan.Zero, null, null)).ToArray(),
            TimeSpan.Zero, at, [], null, reason);
}
