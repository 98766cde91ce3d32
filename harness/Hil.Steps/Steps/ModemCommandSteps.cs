using System.Text.Json;
using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>
/// Commands handed to the node by its modem directly (as +MQTTSUBRECV on its commands topic), with no broker or backend:
/// for what the platform would never send (malformed JSON, a payload over the node's limit, a repeated id long after),
/// and answered on its acks topic, read on the link. Works on every backend.
/// </summary>
[Binding]
public sealed class ModemCommandSteps(NodeFleet fleet)
{
    // Device time the node gets to answer a command handed to it (it answers within its next loop pass).
    private static readonly TimeSpan AnswerTime = TimeSpan.FromSeconds(1);

    private FleetNode Node => fleet.Node;

    [When("the node receives the command:")]
    [StepExample("When the node receives the command:\n  \"\"\"\n  {\"id\":\"c1\",\"type\":\"set_flap\",\"params\":{\"position\":40}}\n  \"\"\"")]
    public async Task WhenTheNodeReceives(string command)
    {
        await Node.Modem.DeliverAsync(Node.CommandsTopic, command.Trim(), fleet.CancellationToken);
        await Node.AdvanceAsync(AnswerTime, fleet.CancellationToken);
    }

    [When("the node receives a set_flap command of {int} bytes")]
    [StepExample("When the node receives a set_flap command of 512 bytes")]
    public Task WhenTheNodeReceivesACommandOf(int bytes)
    {
        const string Head = "{\"id\":\"big\",\"type\":\"set_flap\",\"params\":{\"position\":40},\"pad\":\"";
        const string Tail = "\"}";
        int padding = bytes - Head.Length - Tail.Length;
        if (padding < 0) throw new ArgumentException($"A set_flap command takes at least {Head.Length + Tail.Length} bytes.");
        return WhenTheNodeReceives(Head + new string('x', padding) + Tail);
    }

    [Then("the node answers {word} with the detail {string}")]
    [StepExample("Then the node answers done with the detail \"flap=40\"")]
    public void ThenTheNodeAnswers(string status, string detail)
    {
        var acks = Node.Modem.PublishesOn(Node.AcksTopic);
        Check.That(acks.Count > 0, () => $"'{Node.Name}' published no answer on {Node.AcksTopic}.\n{Node.Evidence(12)}");
        using JsonDocument last = JsonDocument.Parse(acks[^1].Text);
        string? actualStatus = last.RootElement.TryGetProperty("status", out JsonElement s) ? s.GetString() : null;
        string? actualDetail = last.RootElement.TryGetProperty("detail", out JsonElement d) ? d.GetString() : null;
        Check.That(actualStatus == status && actualDetail == detail,
            () => $"'{Node.Name}' answered {acks[^1].Text}, not status {status} with the detail \"{detail}\".");
    }

    [Then("the node published {int} answer(s)")]
    [StepExample("Then the node published 2 answers")]
    public void ThenTheNodePublishedAnswers(int count) =>
        Check.That(Node.Modem.PublishCount(Node.AcksTopic) == count,
            () => $"'{Node.Name}' published {Node.Modem.PublishCount(Node.AcksTopic)} answer(s) on {Node.AcksTopic}, not {count}.");
}
