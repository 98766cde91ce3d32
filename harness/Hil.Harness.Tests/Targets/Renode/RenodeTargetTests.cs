using System.Text.RegularExpressions;
using Hil.Harness.Clocks;
using Hil.Harness.Firmware;
using Hil.Harness.Node;
using Hil.Harness.Support;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Renode;
using Hil.Harness.Tests.Support.RenodeStandIn;
using Hil.Simulators.Modem;

namespace Hil.Harness.Tests.Targets.Renode;

/// <summary>
/// The renode target against the stand-in (RENODE.md's monitor bytes; the native build of the node
/// behind the terminal ports): every monitor command it sends is checked, and the node behind the
/// terminals proves the channels are mapped as they should be.
/// </summary>
public sealed class RenodeTargetTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private RenodeStandIn _standIn = null!;
    private RenodeHost _host = null!;

    [SetUp]
    public async Task StartStandInAsync()
    {
        _standIn = RenodeStandIn.Start();
        _host = await RenodeHost.AttachAsync("127.0.0.1", _standIn.Port);
    }

    [TearDown]
    public async Task StopStandInAsync()
    {
        await _host.DisposeAsync();
        await _standIn.DisposeAsync();
    }

    private RenodeTarget NewTarget(string name = "node-1", ClockMode clock = ClockMode.Wall, string? mac = null) =>
        new(new RenodeTargetOptions { Name = name, Host = _host, ClockMode = clock, Mac = mac });

    [Test]
    public async Task Boots_a_machine_with_the_platform_the_elf_and_a_terminal_per_uart()
    {
        await using RenodeTarget target = NewTarget(mac: "02:00:00:00:be:ef");
        await target.StartAsync();
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        await console.WaitForPromptAsync(Wait);

        ConsoleReply status = await console.ExecuteOkAsync("status");

        Assert.That(status["node"], Is.EqualTo("02000000beef"), "the identity record written to 0x20000000 gives the node its id");
        string repl = Path.Combine(RepositoryLayout.Root, "renode", "hive-node.repl");
        int[] ports = [target.TerminalPorts["console"], target.TerminalPorts["link"], target.TerminalPorts["stimulus"]];
        Assert.That(_standIn.Commands, Is.EqualTo(new[]
        {
            "mach create \"node-1\"",
            $"machine LoadPlatformDescription @{repl}",
            $"sysbus LoadELF @{Path.GetFullPath(FirmwareImages.Stm32Elf)}",
            "sysbus WriteDoubleWord 0x20000000 0x3143414d",
            "sysbus WriteDoubleWord 0x20000004 0x00000002",
            "sysbus WriteDoubleWord 0x20000008 0xfe50efbe",
            $"emulation CreateServerSocketTerminal {ports[0]} \"node-1-console\" false",
            "connector Connect sysbus.usart1 node-1-console",
            $"emulation CreateServerSocketTerminal {ports[1]} \"node-1-link\" false",
            "connector Connect sysbus.usart2 node-1-link",
            $"emulation CreateServerSocketTerminal {ports[2]} \"node-1-stimulus\" false",
            "connector Connect sysbus.usart3 node-1-stimulus",
            "start",
        }));
    }

    [Test]
    public async Task Link_and_stimulus_reach_the_node_through_their_terminals()
    {
        await using RenodeTarget target = NewTarget();
        var modem = new EspAtModem();
        modem.Attach(target.GetChannel(ChannelNames.Link));
        await target.StartAsync();
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        await console.WaitForPromptAsync(Wait);
        await console.Channel.WaitForAsync(_ => modem.MqttConnected, "the node's MQTT connection through the modem", Wait);

        await target.GetChannel(ChannelNames.Stimulus).WriteAsync(StimulusFrames.Sensor(21.5, 40, publishNow: true));

        ModemPublish publish = await modem.WaitForPublishAsync(p => p.Topic.EndsWith("/telemetry", StringComparison.Ordinal), "telemetry", Wait);
        Assert.That(publish.Text, Does.Contain("\"temperature_c\":21.50"));
    }

    [Test]
    public async Task Virtual_time_moves_only_through_RunFor()
    {
        await using RenodeTarget target = NewTarget(clock: ClockMode.Virtual);
        await target.StartAsync();
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        long first = (await console.ExecuteOkAsync("uptime")).GetInt64("uptime_ms");

        await target.Clock.AdvanceAsync(TimeSpan.FromMinutes(10));

        long after = (await console.ExecuteOkAsync("uptime")).GetInt64("uptime_ms");
        Assert.That(after - first, Is.EqualTo(600_000));
        Assert.That(_standIn.Commands, Does.Contain("emulation RunFor \"600.0\"").And.No.Contains("start"));
        Assert.That(await target.Clock.GetDeviceTimeAsync(), Is.EqualTo(TimeSpan.FromMinutes(10)));
    }

    [Test]
    public async Task Reset_pauses_resets_reloads_and_waits_for_the_node_to_boot_again()
    {
        await using RenodeTarget target = NewTarget();
        await target.StartAsync();
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        await console.WaitForPromptAsync(Wait);
        long bootBefore = (await console.ExecuteOkAsync("status")).GetInt64("boot");
        int sent = _standIn.Commands.Count;

        await target.ResetAsync();
        await console.WaitForPromptAsync(Wait);

        Assert.That((await console.ExecuteOkAsync("status")).GetInt64("boot"), Is.EqualTo(bootBefore + 1));
        Assert.That(_standIn.Commands.Skip(sent).Select(c => c.Split(' ')[0]),
            Is.EqualTo(new[] { "pause", "machine", "sysbus", "sysbus", "sysbus", "sysbus", "start" }));
    }

    [Test]
    public async Task Two_nodes_share_one_Renode_each_on_its_own_machine()
    {
        await using RenodeTarget first = NewTarget("node-a");
        await using RenodeTarget second = NewTarget("node-b");
        await first.StartAsync();
        await second.StartAsync();
        var consoles = new[] { first, second }.Select(t => new NodeConsole(t.GetChannel(ChannelNames.Console))).ToArray();
        foreach (NodeConsole c in consoles) await c.WaitForPromptAsync(Wait);

        string[] ids = await Task.WhenAll(consoles.Select(async c => (await c.ExecuteOkAsync("status"))["node"]));
        await first.ResetAsync();

        Assert.That(ids[0], Is.Not.EqualTo(ids[1]));
        Assert.That(_standIn.Commands, Does.Contain("mach set \"node-a\""), "machine commands select their machine first");
        Assert.That(second.GetChannel(ChannelNames.Console).LinesSince(0).Count(l => l.StartsWith("hive-node ready", StringComparison.Ordinal)),
            Is.EqualTo(1), "resetting node-a leaves node-b alone");
    }

    [Test]
    public async Task A_snapshot_brings_back_the_saved_configuration()
    {
        await using RenodeTarget target = NewTarget();
        await target.StartAsync();
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        await console.WaitForPromptAsync(Wait);
        string snapshot = Path.Combine(Path.GetTempPath(), $"hil-snapshot-{Guid.NewGuid():N}.save");
        try
        {
            await console.ExecuteOkAsync("config set interval_s 17");
            await target.SaveSnapshotAsync(snapshot);
            await console.ExecuteOkAsync("config set interval_s 99");

            await target.LoadSnapshotAsync(snapshot);

            ConsoleReply reply = await Poll.UntilAsync(ct => console.ExecuteAsync("config get interval_s", cancellationToken: ct),
                // The restored node's banner may still arrive after the first command: wait for the real answer.
                r => r.Values.ContainsKey("interval_s"), "the restored node's console", Wait);
            Assert.That(reply["interval_s"], Is.EqualTo("17"));
            Assert.That(_standIn.Commands, Does.Contain($"Save @{snapshot}").And.Contain($"Load @{snapshot}"));
        }
        finally
        {
            File.Delete(snapshot);
        }
    }

    [Test]
    public async Task A_snapshot_that_does_not_exist_is_Renodes_error_with_its_text()
    {
        await using RenodeTarget target = NewTarget();
        await target.StartAsync();

        var error = await Assert.ThrowsAsync<RenodeCommandException>(() => target.LoadSnapshotAsync("/nonexistent/state.save"));

        Assert.That(error!.RenodeMessage, Does.Contain("Could not find file '/nonexistent/state.save'"));
        Assert.That(error.Command, Is.EqualTo("Load @/nonexistent/state.save"));
    }

    [Test]
    public async Task The_monitor_can_be_reconnected_without_losing_the_machines()
    {
        await using RenodeTarget target = NewTarget();
        await target.StartAsync();

        await _host.ReconnectAsync();
        await target.ResetAsync();

        Assert.That(target.GetChannel(ChannelNames.Console).LinesSince(0).Count(l => Regex.IsMatch(l, "^hive-node ready")), Is.EqualTo(2));
    }
}
