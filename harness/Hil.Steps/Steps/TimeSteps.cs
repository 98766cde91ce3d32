using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>Device time: on native it jumps event by event, under QEMU it runs by itself (icount, idle time skipped).</summary>
[Binding]
public sealed class TimeSteps(NodeFleet fleet)
{
    [Given(@"^(\d+) (second|minute|hour)s? pass(?:es)? on the node's clock$")]
    [When(@"^(\d+) (second|minute|hour)s? pass(?:es)? on the node's clock$")]
    [StepExample("When 5 minutes pass on the node's clock")]
    [StepExample("When 1 hour passes on the node's clock")]
    public Task WhenTimePasses(int amount, string unit) => fleet.AdvanceAllAsync(Duration(amount, unit));

    [When(@"^(\d+) (second|minute|hour)s? pass(?:es)? on every node's clock$")]
    [StepExample("When 30 seconds pass on every node's clock")]
    public Task WhenTimePassesOnEveryNode(int amount, string unit) => fleet.AdvanceAllAsync(Duration(amount, unit));

    public static TimeSpan Duration(int amount, string unit) => unit switch
    {
        "second" => TimeSpan.FromSeconds(amount),
        "minute" => TimeSpan.FromMinutes(amount),
        "hour" => TimeSpan.FromHours(amount),
        _ => throw new ArgumentException($"Unknown time unit '{unit}'."),
    };
}
