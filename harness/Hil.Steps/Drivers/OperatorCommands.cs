using Hil.Backend.Storage;
using Hil.Harness.Support;
using Hil.Steps.Steps;

namespace Hil.Steps.Drivers;

/// <summary>
/// Commands as an operator gives them: created through the backend's API, delivered over MQTT to the node,
/// acknowledged by it. Scenario-scoped: remembers the commands given ("the command").
/// </summary>
public sealed class OperatorCommands(ScenarioPlatform platform, NodeFleet fleet)
{
    // Fine enough that device time is not what a latency budget measures.
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);
    // Wall time the backend gets to record an acknowledgement the node has published, before its clock goes on.
    private static readonly TimeSpan AckGrace = TimeSpan.FromSeconds(2);
    private readonly List<CommandRecord> _given = new();

    public CommandRecord Last => _given.LastOrDefault() ?? throw new InvalidOperationException("No command has been given in this scenario.");

    /// <summary>Every command given so far, with its final state once awaited.</summary>
    public IReadOnlyList<CommandRecord> Given => _given;

    public async Task<CommandRecord> GiveAsync(FleetNode node, string type, object parameters)
    {
        CommandRecord command = await platform.CreateCommandAsync(node.NodeId, type, parameters);
        _given.Add(command);
        return command;
    }

    /// <summary>
    /// Lets the node's clock run in small steps until the backend records its acknowledgement, for at most
    /// <paramref name="limit"/> of device time (once the node has published its answer, the backend gets up to <see cref="AckGrace"/>
    /// of wall time to record it); returns the final record (done or failed).
    /// </summary>
    public async Task<CommandRecord> AwaitAcknowledgementAsync(FleetNode node, CommandRecord command, TimeSpan limit)
    {
        int acksAwaited = 0;
        for (TimeSpan passed = TimeSpan.Zero; ; passed += Tick)
        {
            CommandRecord? now = await platform.StoredCommandAsync(command.Id);
            int acks = AcksPublished(node, command.Id);
            if (now?.Status is not (CommandStatus.Done or CommandStatus.Failed) && acks > acksAwaited)
            {
                // The node has answered: the backend takes the answer on wall time, which ticks of device time do not give it.
                // Each publish of the answer gets a while (one may have failed, with Wi-Fi down: then the node's clock must go on).
                acksAwaited = acks;
                now = await StoredOnceFinishedAsync(command.Id);
            }
            if (now?.Status is CommandStatus.Done or CommandStatus.Failed)
            {
                CommandRecord final = await platform.CommandAsync(command.Id);
                _given[_given.FindIndex(c => c.Id == command.Id)] = final;
                return final;
            }
            if (passed >= limit)
                throw new ExpectationFailedException($"'{node.Name}' did not acknowledge command {command.Id} ({command.Type}) within {limit.TotalSeconds:0.###} s of device time; " +
                                                     $"its status is {now?.Status}.\n{node.Evidence(12)}\n{platform.Evidence(node.NodeId)}");
            await node.AdvanceAsync(Tick, fleet.CancellationToken);
        }
    }

    private static int AcksPublished(FleetNode node, string commandId) =>
        node.Modem.PublishesOn(node.AcksTopic).Count(p => p.Text.Contains($"\"{commandId}\"", StringComparison.Ordinal));

    private async Task<CommandRecord?> StoredOnceFinishedAsync(string commandId)
    {
        try
        {
            return await Poll.UntilAsync(_ => platform.StoredCommandAsync(commandId), c => c?.Status is CommandStatus.Done or CommandStatus.Failed,
                $"the backend to record command {commandId}'s acknowledgement", AckGrace, cancellationToken: fleet.CancellationToken);
        }
        catch (TimeoutException)
        {
            return await platform.StoredCommandAsync(commandId);
        }
    }

    /// <summary>Created → acknowledged, as the backend timed it (its clock is the wall clock).</summary>
    public static TimeSpan RoundTrip(CommandRecord command) => (command.CompletedAt ?? DateTimeOffset.MaxValue) - command.CreatedAt;
}
