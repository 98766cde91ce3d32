using Hil.Gherkin.Bindings;
using Hil.Harness.Node;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>The node's own counters, read from its `status` command.</summary>
[Binding]
public sealed class StatusSteps(NodeFleet fleet, StatusState state)
{
    private FleetNode Node => fleet.Node;

    [Then("the node's {word} counter is {int}")]
    [StepExample("Then the node's stim_bad counter is 1")]
    public async Task ThenTheCounterIs(string counter, long expected)
    {
        // Input on another channel (a stimulus frame) may still be on its way: allow it a moment to be counted.
        ConsoleReply status = await Node.StatusWhenAsync(s => s.GetInt64(counter) == expected, SettleTime, fleet.CancellationToken);
        long actual = status.GetInt64(counter);
        Check.That(actual == expected, () => $"'{Node.Name}' reports {counter}={actual}, not {expected}.");
    }

    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    [Then("the node's {word} counter is at most {int}")]
    [StepExample("Then the node's stack_peak counter is at most 16384")]
    public async Task ThenTheCounterIsAtMost(string counter, long maximum)
    {
        long actual = (await Node.StatusAsync(fleet.CancellationToken)).GetInt64(counter);
        Check.That(actual <= maximum, () => $"'{Node.Name}' reports {counter}={actual}, over {maximum}.");
    }

    [Then("the node's {word} counter is at least {int}")]
    [StepExample("Then the node's reconnects counter is at least 1")]
    public async Task ThenTheCounterIsAtLeast(string counter, long minimum)
    {
        long actual = (await Status()).GetInt64(counter);
        Check.That(actual >= minimum, () => $"'{Node.Name}' reports {counter}={actual}, less than {minimum}.");
    }

    [Then("the node's console reports {int} reconnect(s)")]
    [StepExample("Then the node's console reports 1 reconnect")]
    public Task ThenReconnects(long count) => ThenTheCounterIs("reconnects", count);

    [Then("the node's link is {word}")]
    [StepExample("Then the node's link is mqtt")]
    public async Task ThenTheLinkIs(string link)
    {
        string actual = (await Status())["link"];
        Check.That(actual == link, () => $"'{Node.Name}' reports link={actual}, not {link}.");
    }

    [Given("the node's peak stack use is noted")]
    [When("the node's peak stack use is noted")]
    [StepExample("When the node's peak stack use is noted")]
    public async Task NotePeakStack()
    {
        foreach (FleetNode node in fleet.Nodes) state.StackPeaks[node.Name] = (await node.StatusAsync(fleet.CancellationToken)).GetInt64("stack_peak");
    }

    [Then("the node's peak stack use has not grown")]
    [StepExample("Then the node's peak stack use has not grown")]
    public async Task ThenThePeakStackHasNotGrown()
    {
        foreach (FleetNode node in fleet.Nodes)
        {
            long noted = state.StackPeaks.TryGetValue(node.Name, out long n) ? n
                : throw new InvalidOperationException("Note the peak stack use first (\"When the node's peak stack use is noted\").");
            ConsoleReply status = await node.StatusAsync(fleet.CancellationToken);
            long now = status.GetInt64("stack_peak");
            Check.That(now <= noted, () => $"'{node.Name}' stack_peak grew from {noted} to {now} bytes (stack_size {status["stack_size"]}).");
        }
    }

    [Then("every node's boot counter is {int}")]
    [StepExample("Then every node's boot counter is 6")]
    public async Task ThenTheBootCounterIs(long boot)
    {
        foreach (FleetNode node in fleet.Nodes)
        {
            long actual = (await node.StatusAsync(fleet.CancellationToken)).GetInt64("boot");
            Check.That(actual == boot, () => $"'{node.Name}' reports boot={actual}, not {boot}.");
        }
    }

    private Task<ConsoleReply> Status() => Node.StatusAsync(fleet.CancellationToken);
}

/// <summary>Figures noted earlier in the scenario (scenario-scoped).</summary>
public sealed class StatusState
{
    public Dictionary<string, long> StackPeaks { get; } = new();
}
