using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Simulators.Modem;

namespace Hil.Harness.Tests.Support;

/// <summary>
/// A started reference node with its console driver and an ESP-AT modem on its link channel:
/// what most tests begin with. Disposal stops the target.
/// </summary>
public sealed class RunningNode : IAsyncDisposable
{
    private RunningNode(ITarget target, EspAtModem modem)
    {
        Target = target;
        Modem = modem;
        Console = new NodeConsole(target.GetChannel(ChannelNames.Console));
    }

    public ITarget Target { get; }
    public EspAtModem Modem { get; }
    public NodeConsole Console { get; }

    public static async Task<RunningNode> StartAsync(string backend, string name = "node-1",
        ClockMode clockMode = ClockMode.Wall, Action<EspAtModem>? configureModem = null, IModemUplink? uplink = null)
    {
        ITarget target = TargetFactory.Create(backend, name, clockMode);
        var modem = new EspAtModem(uplink);
        configureModem?.Invoke(modem);
        modem.Attach(target.GetChannel(ChannelNames.Link));
        try
        {
            await target.StartAsync();
            var node = new RunningNode(target, modem);
            await node.Console.WaitForPromptAsync(TimeSpan.FromSeconds(5));
            return node;
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    /// <summary>The node id from the <c>status</c> command.</summary>
    public async Task<string> NodeIdAsync() => (await Console.ExecuteOkAsync("status"))["node"];

    public async Task SendStimulusAsync(byte[] frame) =>
        await Target.GetChannel(ChannelNames.Stimulus).WriteAsync(frame);

    public async ValueTask DisposeAsync()
    {
        await Target.DisposeAsync();
        await Modem.DisposeAsync();
    }
}
