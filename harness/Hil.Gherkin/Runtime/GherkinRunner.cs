using Hil.Gherkin.Bindings;
using Hil.Gherkin.Model;

namespace Hil.Gherkin.Runtime;

/// <summary>
/// One test run: runs scenarios one at a time against a set of bindings, calling the test-run
/// hooks around the first and last scenario and the feature hooks whenever the feature changes.
/// Objects registered here are injectable into every scenario. Dispose it to end the run.
/// </summary>
public sealed class GherkinRunner : IAsyncDisposable
{
    private readonly BindingRegistry _bindings;
    private readonly StepMatcher _matcher;
    private readonly ObjectContainer _runContainer = new();
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly List<ScenarioResult> _results = new();
    private readonly TimeProvider _time;
    private bool _started;
    private bool _disposed;
    private FeatureContext? _feature;
    private ObjectContainer? _featureContainer;

    public GherkinRunner(BindingRegistry bindings, TimeProvider? timeProvider = null)
    {
        _bindings = bindings;
        _matcher = new StepMatcher(bindings);
        _time = timeProvider ?? TimeProvider.System;
        _runContainer.RegisterInstance(this);
    }

    public BindingRegistry Bindings => _bindings;

    /// <summary>Every scenario result of the run so far, in the order they ran.</summary>
    public IReadOnlyList<ScenarioResult> Results { get { lock (_results) return _results.ToArray(); } }

    /// <summary>Called with each scenario's result as soon as it is known (progress lines, live reports).</summary>
    public event Action<ScenarioResult>? ScenarioFinished;

    /// <summary>Called as a scenario starts, before its BeforeScenario hooks (timing: `hil bench suite`).</summary>
    public event Action<ScenarioCase>? ScenarioStarting;

    /// <summary>Called before each step (progress on a terminal).</summary>
    public event Action<ScenarioCase, ScenarioStep>? StepStarting;

    /// <summary>Called with each step's result as soon as the step has run, before its AfterStep hooks (timing: `hil bench suite`).</summary>
    public event Action<ScenarioCase, StepResult>? StepFinished;

    public void RegisterInstance<T>(T instance) where T : class => _runContainer.RegisterInstance(instance);

    /// <summary>Records a scenario that was not run (filtered out by tags), so reports show it.</summary>
    public ScenarioResult Skip(ScenarioCase scenario, string reason)
    {
        ScenarioResult result = ScenarioResult.Skipped(scenario, reason, _time.GetUtcNow());
        Record(result);
        return result;
    }

    public async Task<ScenarioResult> RunAsync(ScenarioCase scenario, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            string? setupFailure = await EnterAsync(scenario);
            ScenarioResult result = setupFailure is null
                ? await new ScenarioExecution(this, scenario, _featureContainer!, _feature!, _time, cancellationToken).RunAsync()
                : ScenarioResult.Skipped(scenario, setupFailure, _time.GetUtcNow()) with { Status = ScenarioStatus.Failed, FailureMessage = setupFailure };
            Record(result);
            return result;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    internal StepMatcher Matcher => _matcher;

    internal void OnScenarioStarting(ScenarioCase scenario) => ScenarioStarting?.Invoke(scenario);

    internal void OnStepStarting(ScenarioCase scenario, ScenarioStep step) => StepStarting?.Invoke(scenario, step);

    internal void OnStepFinished(ScenarioCase scenario, StepResult step) => StepFinished?.Invoke(scenario, step);

    private void Record(ScenarioResult result)
    {
        lock (_results) _results.Add(result);
        ScenarioFinished?.Invoke(result);
    }

    /// <summary>Runs the test-run and feature hooks due before this scenario; returns a failure message if one failed.</summary>
    private async Task<string?> EnterAsync(ScenarioCase scenario)
    {
        if (!_started)
        {
            _started = true;
            string? failure = await RunHooksAsync(HookKind.BeforeTestRun, [], _runContainer);
            if (failure is not null) return failure;
        }
        if (_feature?.FeatureInfo != scenario.Feature)
        {
            await LeaveFeatureAsync();
            _feature = new FeatureContext(scenario.Feature);
            _featureContainer = new ObjectContainer(_runContainer);
            _featureContainer.RegisterInstance(_feature);
            return await RunHooksAsync(HookKind.BeforeFeature, scenario.Feature.Tags, _featureContainer);
        }
        return null;
    }

    private async Task LeaveFeatureAsync()
    {
        if (_feature is null || _featureContainer is null) return;
        string? failure = await RunHooksAsync(HookKind.AfterFeature, _feature.FeatureInfo.Tags, _featureContainer);
        await _featureContainer.DisposeAsync();
        _feature = null;
        _featureContainer = null;
        if (failure is not null) throw new InvalidOperationException(failure);
    }

    private async Task<string?> RunHooksAsync(HookKind kind, IEnumerable<string> tags, ObjectContainer container)
    {
        var failures = new List<string>();
        foreach (HookBinding hook in _bindings.HooksFor(kind, tags))
        {
            try { await MethodInvoker.InvokeHookAsync(hook.Method, container); }
            catch (Exception e) { failures.Add($"[{kind}] hook {hook.Name} failed: {e.Message}"); }
            if (failures.Count > 0 && kind.ToString().StartsWith("Before", StringComparison.Ordinal)) break;
        }
        return failures.Count == 0 ? null : string.Join('\n', failures);
    }

    /// <summary>Ends the run: the last feature's After hooks, then the AfterTestRun hooks.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _oneAtATime.WaitAsync();
        try
        {
            _disposed = true;
            await LeaveFeatureAsync();
            string? failure = _started ? await RunHooksAsync(HookKind.AfterTestRun, [], _runContainer) : null;
            await _runContainer.DisposeAsync();
            if (failure is not null) throw new InvalidOperationException(failure);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }
}
