using System.Text;
using Hil.Gherkin.Bindings;
using Hil.Gherkin.Model;

namespace Hil.Gherkin.Runtime;

/// <summary>
/// Runs one scenario: BeforeScenario hooks, each step between its BeforeStep/AfterStep hooks,
/// AfterScenario hooks (always), then disposes the scenario's objects. After the first failure
/// the remaining steps are skipped. The result's failure message names the step, the feature
/// file and line, and carries the evidence the After hooks attached.
/// </summary>
internal sealed class ScenarioExecution(
    GherkinRunner runner, ScenarioCase scenario, ObjectContainer featureContainer, FeatureContext feature,
    TimeProvider time, CancellationToken cancellationToken)
{
    // The message (terminal, NUnit) quotes the tail of each piece of evidence; the reports carry it whole.
    private const int EvidenceLinesInMessage = 25;
    private readonly List<StepResult> _steps = new();
    private readonly List<string> _failures = new();
    private string? _skipReason;

    public async Task<ScenarioResult> RunAsync()
    {
        runner.OnScenarioStarting(scenario);
        DateTimeOffset startedAt = time.GetUtcNow();
        long start = time.GetTimestamp();
        var context = new ScenarioContext(new ScenarioInfo(scenario.Name, scenario.Tags, scenario.ExampleValues), feature);
        var container = new ObjectContainer(featureContainer);
        container.RegisterInstance(context);
        container.RegisterInstance(new ScenarioCancellation(cancellationToken));
        try
        {
            bool ok = await HooksAsync(HookKind.BeforeScenario, container, context);
            foreach (ScenarioStep step in scenario.Steps)
            {
                if (!ok || cancellationToken.IsCancellationRequested)
                {
                    _steps.Add(new StepResult(step, StepStatus.Skipped, TimeSpan.Zero, null, null));
                    continue;
                }
                ok = await RunStepAsync(step, container, context);
            }
            await HooksAsync(HookKind.AfterScenario, container, context);
        }
        finally
        {
            try { await container.DisposeAsync(); }
            catch (Exception e) { _failures.Add($"Cleaning up the scenario failed: {e.GetType().Name}: {e.Message}\n{e.StackTrace}"); }
        }
        if (cancellationToken.IsCancellationRequested && _failures.Count == 0) _failures.Add("The run was cancelled.");
        string? message = _failures.Count == 0 ? null : FailureMessage(context.Attachments);
        ScenarioStatus status = message is not null ? ScenarioStatus.Failed : _skipReason is not null ? ScenarioStatus.Skipped : ScenarioStatus.Passed;
        return new ScenarioResult(scenario, status, _steps.ToArray(), time.GetElapsedTime(start), startedAt, context.Attachments, message,
            message is null ? _skipReason : null) { Measurements = context.Measurements, Failures = _failures.ToArray() };
    }

    private async Task<bool> RunStepAsync(ScenarioStep step, ObjectContainer container, ScenarioContext context)
    {
        context.CurrentStep = new StepInfo(step.Kind, step.Keyword.Trim(), step.Text, step.Line);
        runner.OnStepStarting(scenario, step);
        long start = time.GetTimestamp();
        StepMatch match;
        try
        {
            match = runner.Matcher.Match(step);
        }
        catch (UndefinedStepException e)
        {
            return Fail(step, StepStatus.Undefined, start, null, e, context);
        }
        catch (AmbiguousStepException e)
        {
            return Fail(step, StepStatus.Ambiguous, start, null, e, context);
        }
        bool ok = await HooksAsync(HookKind.BeforeStep, container, context);
        if (!ok)
        {
            Finished(new StepResult(step, StepStatus.Skipped, TimeSpan.Zero, match.Definition.Name, null));
            return false;
        }
        try
        {
            object?[] arguments = Arguments(match, step);
            await MethodInvoker.InvokeAsync(match.Definition.Method, container, arguments);
        }
        catch (ScenarioSkippedException e)
        {
            _skipReason = e.Message;
            Finished(new StepResult(step, StepStatus.Skipped, time.GetElapsedTime(start), match.Definition.Name, e));
            return false;
        }
        catch (Exception e)
        {
            Fail(step, StepStatus.Failed, start, match.Definition.Name, e, context);
            await HooksAsync(HookKind.AfterStep, container, context);
            return false;
        }
        Finished(new StepResult(step, StepStatus.Passed, time.GetElapsedTime(start), match.Definition.Name, null));
        return await HooksAsync(HookKind.AfterStep, container, context);
    }

    private void Finished(StepResult result)
    {
        _steps.Add(result);
        runner.OnStepFinished(scenario, result);
    }

    private bool Fail(ScenarioStep step, StepStatus status, long start, string? binding, Exception error, ScenarioContext context)
    {
        Finished(new StepResult(step, status, time.GetElapsedTime(start), binding, error));
        context.TestError ??= error;
        string what = status switch
        {
            StepStatus.Undefined => "is undefined",
            StepStatus.Ambiguous => "is ambiguous",
            _ => "failed",
        };
        _failures.Add($"Step \"{step}\" {what} ({scenario.Feature.FilePath}:{step.Line}{(step.FromBackground ? ", background" : "")}):\n{error.Message}");
        return false;
    }

    private static object?[] Arguments(StepMatch match, ScenarioStep step)
    {
        var parameters = match.Definition.Method.GetParameters();
        var arguments = new object?[parameters.Length];
        int captures = match.Captures.Count;
        int extra = (step.Table is null ? 0 : 1) + (step.DocString is null ? 0 : 1);
        if (parameters.Length != captures + extra)
            throw new InvalidOperationException(
                $"{match.Definition.Name} takes {parameters.Length} parameter(s) but the step gives {captures} argument(s)" +
                (step.Table is not null ? " and a data table" : "") + (step.DocString is not null ? " and a doc string" : "") + ".");
        for (int i = 0; i < captures; i++)
        {
            try { arguments[i] = match.Definition.Expression.Convert(i, match.Captures[i], parameters[i].ParameterType); }
            catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException)
            {
                throw new FormatException($"'{match.Captures[i]}' is not a valid {parameters[i].ParameterType.Name} for parameter '{parameters[i].Name}' of {match.Definition.Name}.", e);
            }
        }
        int next = captures;
        if (step.Table is not null) arguments[next++] = step.Table;
        if (step.DocString is not null) arguments[next] = step.DocString;
        return arguments;
    }

    private async Task<bool> HooksAsync(HookKind kind, ObjectContainer container, ScenarioContext context)
    {
        bool ok = true;
        foreach (HookBinding hook in runner.Bindings.HooksFor(kind, scenario.Tags))
        {
            try
            {
                await MethodInvoker.InvokeHookAsync(hook.Method, container);
            }
            catch (Exception e)
            {
                ok = false;
                context.TestError ??= e;
                _failures.Add($"[{kind}] hook {hook.Name} failed ({scenario.Location}):\n{e.Message}");
                if (kind is HookKind.BeforeScenario or HookKind.BeforeStep) break;
            }
        }
        return ok;
    }

    private string FailureMessage(IReadOnlyList<Attachment> attachments)
    {
        var text = new StringBuilder();
        text.Append("Scenario \"").Append(scenario.Name).Append("\" (").Append(scenario.Location).AppendLine(") failed.");
        foreach (string failure in _failures) text.AppendLine(failure);
        foreach (Attachment attachment in attachments)
        {
            string[] lines = attachment.Content.Split('\n');
            text.Append("--- ").Append(attachment.Name);
            if (lines.Length > EvidenceLinesInMessage) text.Append($" (last {EvidenceLinesInMessage} of {lines.Length} lines; the reports have all)");
            text.AppendLine(" ---");
            foreach (string line in lines.Skip(Math.Max(0, lines.Length - EvidenceLinesInMessage))) text.Append("  | ").AppendLine(line.TrimEnd('\r'));
        }
        return text.ToString().TrimEnd();
    }
}

/// <summary>Injectable: the run's cancellation, for bindings that pass it on to drivers.</summary>
public sealed record ScenarioCancellation(CancellationToken Token);
