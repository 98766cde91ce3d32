using Hil.Backend.Storage;
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
    /// <paramref name="limit"/> of device time; returns the final record (done or failed).
    /// </summary>
    public async Task<CommandRecord> AwaitAcknowledgementAsync(FleetNode node, CommandRecord command, TimeSpan limit)
    {
        for (TimeSpan passed = TimeSpan.Zero; ; passed += Tick)
        {
            CommandRecord? now = await platform.StoredCommandAsync(command.Id);
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

    /// <summary>Created → acknowledged, as the backend timed it (its clock is the wall clock).</summary>
    public static TimeSpan RoundTrip(CommandRecord command) => (command.CompletedAt ?? DateTimeOffset.MaxValue) - command.CreatedAt;
}
