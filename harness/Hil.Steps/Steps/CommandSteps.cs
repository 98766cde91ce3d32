using Hil.Backend.Storage;
using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>An operator's commands through the backend's API, and what the node does with them.</summary>
[Binding]
public sealed class CommandSteps(NodeFleet fleet, OperatorCommands commands)
{
    private FleetNode Node => fleet.Node;

    [When("an operator asks the node to open the ventilation flap to {int} %")]
    [StepExample("When an operator asks the node to open the ventilation flap to 40 %")]
    public Task WhenAnOperatorMovesTheFlap(int position) => commands.GiveAsync(Node, "set_flap", new { position });

    [When("an operator asks the node to run an inference")]
    [StepExample("When an operator asks the node to run an inference")]
    public Task WhenAnOperatorAsksForInference() => commands.GiveAsync(Node, "run_inference", new { });

    [When("an operator sets the node's {word} to {int}")]
    [StepExample("When an operator sets the node's interval_s to 30")]
    public Task WhenAnOperatorSetsConfig(string key, int value) => commands.GiveAsync(Node, "set_config", new Dictionary<string, int> { [key] = value });

    [When("an operator sends the node a {string} command")]
    [StepExample("When an operator sends the node a \"self_destruct\" command")]
    public Task WhenAnOperatorSendsCommand(string type) => commands.GiveAsync(Node, type, new { });

    [When("an operator sends the node a {string} command with the parameters:")]
    [StepExample("When an operator sends the node a \"set_config\" command with the parameters:\n  \"\"\"\n  {\"event_threshold\": 0.75}\n  \"\"\"")]
    public Task WhenAnOperatorSendsCommandWith(string type, string parameters) =>
        commands.GiveAsync(Node, type, System.Text.Json.JsonDocument.Parse(parameters).RootElement.Clone());

    [Then("the node acknowledges with the detail {string}")]
    [StepExample("Then the node acknowledges with the detail \"flap=40\"")]
    public async Task ThenTheNodeAcknowledgesWith(string detail)
    {
        CommandRecord answer = await commands.AwaitAcknowledgementAsync(Node, commands.Last, TimeSpan.FromSeconds(5));
        Check.That(answer.Status == CommandStatus.Done && answer.Detail == detail,
            () => $"'{Node.Name}' answered command {answer.Id} ({answer.Type}) with {answer.Status} \"{answer.Detail}\", not done \"{detail}\".");
    }

    [Then("the node acknowledges with a detail matching {string}")]
    [StepExample("Then the node acknowledges with a detail matching \"^label=(normal|event) p_event=0\\.\\d{6}$\"")]
    public async Task ThenTheNodeAcknowledgesMatching(string pattern)
    {
        CommandRecord answer = await commands.AwaitAcknowledgementAsync(Node, commands.Last, TimeSpan.FromSeconds(5));
        Check.That(answer.Status == CommandStatus.Done && System.Text.RegularExpressions.Regex.IsMatch(answer.Detail ?? "", pattern),
            () => $"'{Node.Name}' answered command {answer.Id} ({answer.Type}) with {answer.Status} \"{answer.Detail}\", not done matching /{pattern}/.");
    }

    [Then("the node acknowledges within {int} second(s)")]
    [StepExample("Then the node acknowledges within 1 second")]
    public async Task ThenTheNodeAcknowledges(int seconds)
    {
        CommandRecord done = await commands.AwaitAcknowledgementAsync(Node, commands.Last, TimeSpan.FromSeconds(seconds));
        Check.That(done.Status == CommandStatus.Done, () => $"'{Node.Name}' answered command {done.Id} ({done.Type}) with {done.Status}: {done.Detail}");
        Check.That(OperatorCommands.RoundTrip(done) < TimeSpan.FromSeconds(seconds), () =>
            $"Command {done.Id} took {OperatorCommands.RoundTrip(done).TotalMilliseconds:0} ms from created to acknowledged, over {seconds} s.");
    }

    [Then("the node refuses it with the detail {string}")]
    [StepExample("Then the node refuses it with the detail \"position must be an integer 0..100\"")]
    public async Task ThenTheNodeRefuses(string detail)
    {
        CommandRecord answer = await commands.AwaitAcknowledgementAsync(Node, commands.Last, TimeSpan.FromSeconds(5));
        Check.That(answer.Status == CommandStatus.Failed && (answer.Detail ?? "").Contains(detail, StringComparison.Ordinal),
            () => $"'{Node.Name}' answered command {answer.Id} ({answer.Type}) with {answer.Status} \"{answer.Detail}\", not failed \"{detail}\".");
    }

    [Then("the node's console shows the flap at {int} %")]
    [StepExample("Then the node's console shows the flap at 40 %")]
    public async Task ThenTheConsoleShowsTheFlap(int position)
    {
        string shown = (await Node.StatusAsync(fleet.CancellationToken))["flap"];
        Check.That(shown == position.ToString(System.Globalization.CultureInfo.InvariantCulture), () => $"'{Node.Name}' reports flap={shown}, not {position}.");
    }
}
