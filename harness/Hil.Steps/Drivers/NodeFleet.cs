using Hil.Gherkin.Runtime;
using Hil.Harness.Targets;
using Hil.Simulators.Modem;

namespace Hil.Steps.Drivers;

/// <summary>
/// The nodes of one scenario (scenario-scoped: injected into every step class, stopped when the
/// scenario ends). Nodes run on virtual time with an ESP-AT modem emulator on their link, bridged to the
/// scenario's broker when the scenario uses the platform.
/// </summary>
public sealed class NodeFleet(HarnessSettings settings, ScenarioCancellation cancellation, ScenarioPlatform platform) : IAsyncDisposable
{
    private readonly List<FleetNode> _nodes = new();

    public IReadOnlyList<FleetNode> Nodes => _nodes;

    public CancellationToken CancellationToken => cancellation.Token;

    /// <summary>"The node": the only node of the scenario.</summary>
    public FleetNode Node => _nodes.Count switch
    {
        1 => _nodes[0],
        0 => throw new InvalidOperationException("The step talks about the node, but the scenario has not started one (add \"Given a node\")."),
        _ => throw new InvalidOperationException(
            $"The step talks about the node, but the scenario started {_nodes.Count} ({string.Join(", ", _nodes.Select(n => n.Name))}); name one (\"node 2\")."),
    };

    /// <summary>"node 2": the second node started.</summary>
    public FleetNode this[int number] => number >= 1 && number <= _nodes.Count ? _nodes[number - 1]
        : throw new InvalidOperationException($"There is no node {number}: the scenario started {_nodes.Count}.");

    /// <summary>
    /// Starts <paramref name="count"/> nodes of <paramref name="spec"/> (in parallel) and waits until each is online.
    /// Their targets come from the run's <see cref="INodeTargets"/>, or the emulated backend the spec names.
    /// </summary>
    public async Task StartAsync(int count, NodeSpec spec)
    {
        if (count is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(count), count, "A scenario starts between 1 and 16 nodes.");
        INodeTargets targets = spec.Backend is null ? settings.NodeTargets : new EmulatedNodeTargets(spec.Backend);
        var started = new List<FleetNode>();
        for (int i = 0; i < count; i++)
        {
            int number = _nodes.Count + 1;
            ITarget target = await targets.CreateAsync(new NodeRequest(number, spec, $"02:00:00:00:01:{number:x2}"), CancellationToken);
            var modem = new EspAtModem(await platform.UplinkForNodeAsync());
            modem.Attach(target.GetChannel(ChannelNames.Link));
            // The timeline's device times, where the target's clock can tell them (native; QEMU in lockstep).
            modem.DeviceTime = async () => target.Clock is Hil.Harness.Clocks.IDeviceTimeSource clock ? await clock.TimeOfOutputAsync() : null;
            modem.InputDeviceTime = async () => target.Clock is Hil.Harness.Clocks.IDeviceTimeSource clock ? await clock.TimeOfInputAsync() : null;
            var node = new FleetNode(target.Name, spec with { Backend = target.Backend }, target, modem, settings);
            _nodes.Add(node);
            started.Add(node);
        }
        await Task.WhenAll(started.Select(async node =>
        {
            await node.Target.StartAsync(CancellationToken);
            await node.BootedAsync(CancellationToken);
            await node.WaitOnlineAsync(CancellationToken);
        }));
    }

    /// <summary>Waits until the modem of every node bridged to the broker has seen its MQTT session end (the broker went down).</summary>
    public async Task WaitForBrokerLossAsync()
    {
        foreach (FleetNode node in _nodes.Where(n => n.Modem.Uplink is not null))
        {
            if (!await node.Modem.WaitUntilAsync(m => !m.MqttConnected, settings.StepTimeout, CancellationToken))
                throw new TimeoutException($"The modem of '{node.Name}' still holds its MQTT session {settings.StepTimeout.TotalSeconds:0} s after the broker went down.\n{node.Evidence(12)}");
        }
    }

    /// <summary>Every node's clock moves on by <paramref name="duration"/> (together; once for nodes sharing a timeline).</summary>
    public Task AdvanceAllAsync(TimeSpan duration) =>
        Task.WhenAll(_nodes.GroupBy(n => n.Target.Clock.Domain).Select(g => g.First().AdvanceAsync(duration, CancellationToken)));

    public async ValueTask DisposeAsync()
    {
        foreach (FleetNode node in _nodes)
        {
            await CountDeviceTimeAsync(node.Target);
            await node.Target.DisposeAsync();
            await node.Modem.DisposeAsync();
        }
        _nodes.Clear();
    }

    // For `hil bench suite`: how much device time the node lived. A node that cannot say (stopped, hung) is not counted.
    private static async Task CountDeviceTimeAsync(ITarget target)
    {
        if (target.State != TargetState.Running || target.Clock.Mode != Hil.Harness.Clocks.ClockMode.Virtual) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            Hil.Harness.Support.DeviceTimeMeter.Add(await target.Clock.GetDeviceTimeAsync(timeout.Token));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or IOException or InvalidOperationException)
        {
        }
    }
}
