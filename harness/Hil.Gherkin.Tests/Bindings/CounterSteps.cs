using Hil.Gherkin.Bindings;

namespace Hil.Gherkin.Tests.Bindings;

/// <summary>Scenario-scoped state: a fresh one per scenario, shared by every binding of that scenario.</summary>
public sealed class Counter
{
    public int Value { get; set; }
}

/// <summary>Run-scoped record of what ran, registered by each test.</summary>
public sealed class CallLog
{
    public List<string> Entries { get; } = new();
}

[Binding]
public sealed class CounterSteps(Counter counter, CallLog log)
{
    [Given("a counter at {int}")]
    public void GivenACounterAt(int value)
    {
        counter.Value = value;
        log.Entries.Add($"counter={value}");
    }

    [When("the counter is increased by {int}")]
    public async Task WhenIncreased(int by)
    {
        await Task.Yield();
        counter.Value += by;
    }

    [Then(@"^the counter is (\d+)$")]
    public void ThenTheCounterIs(int expected)
    {
        if (counter.Value != expected) throw new InvalidOperationException($"the counter is {counter.Value}, not {expected}");
    }
}

[Binding]
public sealed class OutlineSteps(CallLog log)
{
    [Given("a node with protocol v{int} and firmware {string}")]
    public void GivenANode(int version, string firmware) => log.Entries.Add($"v{version} fw={firmware}");

    [Then("the recorded protocol is {int}")]
    public void ThenRecorded(int version)
    {
        if (!log.Entries.Last().StartsWith($"v{version} ", StringComparison.Ordinal))
            throw new InvalidOperationException($"last entry {log.Entries.Last()}");
    }
}

[Binding]
public sealed class TableSteps(CallLog log)
{
    private Table? _readings;
    private string? _payload;

    [Given("these readings:")]
    public void GivenReadings(Table readings) => _readings = readings;

    [Then("the sum of temperatures is {float}")]
    public void ThenSum(double expected)
    {
        double sum = _readings!.Rows.Sum(r => double.Parse(r["temperature"], System.Globalization.CultureInfo.InvariantCulture));
        log.Entries.Add($"sum={sum}");
        if (Math.Abs(sum - expected) > 1e-9) throw new InvalidOperationException($"sum {sum}");
    }

    [Given("the payload")]
    public void GivenPayload(string docString)
    {
        _payload = docString;
        log.Entries.Add(docString);
    }

    [Then("the payload has {int} lines")]
    public void ThenLines(int lines)
    {
        if (_payload!.Split('\n').Length != lines) throw new InvalidOperationException(_payload);
    }
}

[Binding]
public sealed class AnswerSteps
{
    [Then("the answer is {int}")]
    public void ThenTheAnswerIsInt(int answer) => _ = answer;

    [Then(@"^the answer is (\d+)$")]
    public void ThenTheAnswerIsRegex(int answer) => _ = answer;
}
