using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>Starting nodes (how many, which firmware and protocol, which target), rebooting them.</summary>
[Binding]
public sealed class NodeSteps(NodeFleet fleet)
{
    [Given("a node")]
    [StepExample("Given a node")]
    public Task GivenANode() => fleet.StartAsync(1, new NodeSpec());

    [Given("a node running firmware {string}")]
    [StepExample("Given a node running firmware \"2.1.0\"")]
    public Task GivenANodeRunningFirmware(string firmware) =>
        fleet.StartAsync(1, new NodeSpec(FirmwareVersion: firmware, ProtocolVersion: NodeSpec.DefaultProtocolFor(firmware)));

    [Given("a node running firmware {string} with protocol v{int}")]
    [StepExample("Given a node running firmware \"1.4.2\" with protocol v1")]
    public Task GivenANodeWithProtocol(string firmware, int protocol) =>
        fleet.StartAsync(1, new NodeSpec(FirmwareVersion: firmware, ProtocolVersion: protocol));

    [Given("a node speaking protocol v{int}")]
    [StepExample("Given a node speaking protocol v2")]
    public Task GivenANodeSpeakingProtocol(int protocol) =>
        fleet.StartAsync(1, new NodeSpec(FirmwareVersion: NodeSpec.DefaultFirmwareFor(protocol), ProtocolVersion: protocol));

    [Given("a node running firmware {string} on the {word} target")]
    [StepExample("Given a node running firmware \"3.0.0\" on the qemu target")]
    public Task GivenANodeOnTarget(string firmware, string backend) =>
        fleet.StartAsync(1, new NodeSpec(backend, firmware, NodeSpec.DefaultProtocolFor(firmware)));

    [Given("{int} nodes")]
    [StepExample("Given 2 nodes")]
    public Task GivenNodes(int count) => fleet.StartAsync(count, new NodeSpec());

    [Given("these nodes:")]
    [StepExample("Given these nodes:\n  | firmware | protocol |\n  | 1.4.2    | 1        |\n  | 3.0.0    | 3        |")]
    public async Task GivenTheseNodes(Table nodes)
    {
        foreach (TableRow row in nodes.Rows)
            await fleet.StartAsync(1, new NodeSpec(FirmwareVersion: row["firmware"], ProtocolVersion: int.Parse(row["protocol"])));
    }

    [When("the node reboots")]
    [StepExample("When the node reboots")]
    public Task WhenTheNodeReboots() => fleet.Node.RebootAsync(fleet.CancellationToken);

    [When("the node reboots {int} times")]
    [StepExample("When the node reboots 5 times")]
    public async Task WhenTheNodeRebootsTimes(int times)
    {
        for (int i = 0; i < times; i++) await fleet.Node.RebootAsync(fleet.CancellationToken);
    }

    [When("the node is upgraded to firmware {string}")]
    [StepExample("When the node is upgraded to firmware \"3.0.0\"")]
    public Task WhenUpgraded(string firmware) =>
        fleet.Node.UpgradeAsync(firmware, NodeSpec.DefaultProtocolFor(firmware), fleet.CancellationToken);

    [When("the node is upgraded to firmware {string} with protocol v{int}")]
    [StepExample("When the node is upgraded to firmware \"3.1.0\" with protocol v3")]
    public Task WhenUpgradedWithProtocol(string firmware, int protocol) =>
        fleet.Node.UpgradeAsync(firmware, protocol, fleet.CancellationToken);

    [When("the node is power cycled")]
    [StepExample("When the node is power cycled")]
    public Task WhenPowerCycled() => fleet.Node.PowerCycleAsync(fleet.CancellationToken);

    [When("the node is back online")]
    [StepExample("When the node is back online")]
    public Task WhenBackOnline() => fleet.Node.WaitOnlineAsync(fleet.CancellationToken);

    [Given("the node reports every {int} seconds")]
    [StepExample("Given the node reports every 5 seconds")]
    public async Task GivenTheNodeReportsEvery(int seconds) =>
        await fleet.Node.Console.ExecuteOkAsync($"config set interval_s {seconds}", cancellationToken: fleet.CancellationToken);

    [Given("every node reports every {int} seconds")]
    [StepExample("Given every node reports every 10 seconds")]
    public Task GivenEveryNodeReportsEvery(int seconds) =>
        Task.WhenAll(fleet.Nodes.Select(n => n.Console.ExecuteOkAsync($"config set interval_s {seconds}", cancellationToken: fleet.CancellationToken)));
}
