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

    private RenodeTarget NewTarget(string name = "node-1", ClockMode clock = ClockMode.Wall, string? mac = null, bool fromSnapshot = false) =>
        new(new RenodeTargetOptions { Name = name, Host = _host, ClockMode = clock, Mac = mac, StartFromSnapshot = fromSnapshot });

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
            $"macro reset \"sysbus LoadELF @{Path.GetFullPath(FirmwareImages.Stm32Elf)}\"",
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
    public async Task Virtual_time_moves_only_in_the_steps_the_harness_grants()
    {
        await using RenodeTarget target = NewTarget(clock: ClockMode.Virtual);
        await target.StartAsync();
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        long first = (await console.ExecuteOkAsync("uptime")).GetInt64("uptime_ms");
        TimeSpan before = await target.Clock.GetDeviceTimeAsync();

        await target.Clock.AdvanceAsync(TimeSpan.FromMinutes(10));

        TimeSpan after = await target.Clock.GetDeviceTimeAsync();
        long second = (await console.ExecuteOkAsync("uptime")).GetInt64("uptime_ms");
        Assert.That(after - before, Is.EqualTo(TimeSpan.FromMinutes(10)), "a quiet node: the advance ends where asked");
        // The first exchange ends with its answer's 1 ms step and a quiet step across a 100 ms quantum boundary; the
        // second command is answered in its own first millisecond.
        Assert.That(second - first, Is.EqualTo(600_102));
        TimeSpan end = await target.Clock.GetDeviceTimeAsync(); // settled: the last exchange's quiet step included
        double ranFor = _standIn.Commands.Where(c => c.StartsWith("emulation RunFor ", StringComparison.Ordinal))
            .Sum(c => double.Parse(c.Split('"')[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(TimeSpan.FromSeconds(ranFor), Is.EqualTo(end).Within(TimeSpan.FromMilliseconds(0.01)), "device time is the sum of the steps");
        Assert.That(_standIn.Commands, Does.Not.Contain("start").And.Contain("emulation SetAdvanceImmediately true"));
    }

    [Test]
    public async Task A_console_command_on_virtual_time_is_answered_without_an_advance()
    {
        // Renode runs nothing between RunFor calls (RENODE.md): the timeline must carry the command and its answer itself.
        await using RenodeTarget target = NewTarget(clock: ClockMode.Virtual);
        await target.StartAsync();
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));

        ConsoleReply status = await console.ExecuteOkAsync("status", Wait);

        Assert.That(status.Values, Does.ContainKey("uptime_ms"));
        Assert.That(_standIn.Commands, Has.Some.StartsWith("sysbus.usart1 WriteLine 'status' None"),
            "input goes in through the monitor, at the time the node stands at, never through the terminal");
    }

    [Test]
    public async Task Input_on_a_terminal_waits_until_time_runs_as_in_Renode()
    {
        // The stand-in reproducing RENODE.md: "status" sent on the console, no RunFor → no reply; the next RunFor → the reply.
        await _host.CreateMachineAsync("raw");
        int port = RenodeHost.FreeLoopbackPort();
        await _host.ExecuteOnMachineAsync("raw", [
            $"machine LoadPlatformDescription @{Path.Combine(RepositoryLayout.Root, "renode", "hive-node.repl")}",
            $"sysbus LoadELF @{Path.GetFullPath(FirmwareImages.Stm32Elf)}",
            $"emulation CreateServerSocketTerminal {port} \"raw-console\" false",
            "connector Connect sysbus.usart1 raw-console",
        ]);
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var channel = new Hil.Harness.Channels.TargetChannel("raw", "console");
        await channel.AttachAsync(client.GetStream());
        await _host.RunForAsync(TimeSpan.FromMilliseconds(50));
        await channel.ExpectLineAsync(new Regex("hive-node ready"), Wait);

        await channel.WriteLineAsync("uptime");
        await Task.Delay(300);
        bool answeredWhilePaused = channel.LinesSince(0).Any(l => l.Contains("uptime_ms"));
        await _host.RunForAsync(TimeSpan.FromMilliseconds(10));

        Assert.That(answeredWhilePaused, Is.False);
        await channel.ExpectLineAsync(new Regex("uptime_ms="), Wait);
        await channel.DisposeAsync();
    }

    [Test]
    public async Task Targets_come_and_go_without_removing_a_machine()
    {
        // Renode 1.16.1 dies on the RunFor after a machine that ran was removed (sometimes; the stand-in always):
        // the harness halts a stopped machine while others live and clears the emulation when the last one goes.
        for (int round = 0; round < 2; round++)
        {
            await using RenodeTarget target = NewTarget(clock: ClockMode.Virtual, mac: "02:00:00:00:01:01", fromSnapshot: true);
            await target.StartAsync();
            await target.Clock.AdvanceAsync(TimeSpan.FromSeconds(1));
        }
        await using (RenodeTarget wall = NewTarget())
            await wall.StartAsync();

        Assert.That(_standIn.HasCrashed, Is.False);
        Assert.That(_standIn.Commands, Has.None.StartsWith("mach rem"));
        Assert.That(_standIn.Commands.Count(c => c == "Clear"), Is.EqualTo(3));
        Assert.That(_host.SnapshotLoads, Is.EqualTo(1), "the second virtual node (same image and identity) came from the snapshot the first one saved");
        Assert.That(_standIn.Commands.Count(c => c.StartsWith("machine LoadPlatformDescription", StringComparison.Ordinal)), Is.EqualTo(2),
            "the platform is loaded for the first virtual node and the wall-clock one only");
    }

    [Test]
    public async Task A_machine_is_built_while_no_step_runs()
    {
        // A RunFor between a machine's `mach create` and its platform makes Renode 1.16.1 abort (the stand-in too):
        // node A's time passing (many steps) while node B starts must not interleave with B's set-up.
        await using RenodeTarget a = NewTarget("node-a", ClockMode.Virtual);
        await a.StartAsync();
        for (int round = 0; round < 3; round++)
        {
            await using RenodeTarget b = NewTarget($"node-b{round}", ClockMode.Virtual);
            Task passing = a.Clock.AdvanceAsync(TimeSpan.FromSeconds(3));
            await b.StartAsync();
            await passing;
        }

        Assert.That(_standIn.HasCrashed, Is.False);
    }

    [Test]
    public async Task A_node_from_the_booted_snapshot_lives_what_a_fresh_one_lives()
    {
        // The second run's node is loaded from the snapshot the first saved at its ready line, with what it had sent by
        // then handed to the new modem: its modem dialogue and readings must come at the same device times.
        string[] fresh = await SnapshotRun.ModemTimelineAsync(_host);
        string[] loaded = await SnapshotRun.ModemTimelineAsync(_host);

        Assert.That(_host.SnapshotLoads, Is.EqualTo(1));
        Assert.That(fresh, Has.Some.Contains("MQTTPUB"), "the node got online and published");
        Assert.That(loaded, Is.EqualTo(fresh));
    }

    [TestCase("mach rem \"m\"", true)]
    [TestCase("emulation RunFor \"0.01\"", false)]
    public async Task Renode_dies_where_the_real_one_does(string fatal, bool started)
    {
        await _host.CreateMachineAsync("m");
        await _host.ExecuteOnMachineAsync("m", [
            $"machine LoadPlatformDescription @{Path.Combine(RepositoryLayout.Root, "renode", "hive-node.repl")}",
            $"sysbus LoadELF @{Path.GetFullPath(FirmwareImages.Stm32Elf)}",
        ]);
        if (started) await _host.ExecuteAsync("start");
        else await _host.ExecuteAsync("Clear"); // no machine left for RunFor

        await Assert.ThrowsAsync<IOException>(() => _host.ExecuteAsync(fatal));
        Assert.That(_standIn.HasCrashed, Is.True);
    }

    [Test]
    public async Task A_missing_elf_is_named_before_Renode_is_asked()
    {
        await using var target = new RenodeTarget(new RenodeTargetOptions { Host = _host, ElfPath = "/nonexistent/fw.elf" });

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => target.StartAsync());

        Assert.That(error!.Message, Does.Contain("/nonexistent/fw.elf"));
        Assert.That(_standIn.Commands, Has.None.StartsWith("sysbus LoadELF"));
        // What Renode itself would have said (RENODE.md), as the stand-in says it:
        await _host.CreateMachineAsync("m");
        var renodes = await Assert.ThrowsAsync<RenodeCommandException>(() => _host.ExecuteOnMachineAsync("m", ["sysbus LoadELF @/nonexistent/fw.elf"]));
        Assert.That(renodes!.RenodeMessage, Does.Contain("Parameters did not match the signature"));
    }

    [Test]
    public async Task Nothing_of_the_harness_lives_where_Renode_deletes()
    {
        // Renode deletes every /tmp/renode-* folder not named after a live process whenever one starts or exits.
        string doomed = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"renode-{Guid.NewGuid():N}")).FullName;
        string kept = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"renode-{Environment.ProcessId}")).FullName;
        try
        {
            await using RenodeStandIn another = RenodeStandIn.Start();
            await using RenodeTarget target = NewTarget(clock: ClockMode.Virtual);
            await target.StartAsync();

            Assert.That(Directory.Exists(doomed), Is.False, "the stand-in does what Renode does");
            Assert.That(Directory.Exists(kept), Is.True);
            string counters = Path.GetDirectoryName(_standIn.Commands.First(c => c.Contains("CreateFileBackend")).Split('@')[1].Split(' ')[0])!;
            Assert.That(counters, Does.Not.StartWith(Path.Combine(Path.GetTempPath(), "renode-")));
            Assert.That(Directory.Exists(counters), Is.True, "the UART counters outlived another Renode's start");
        }
        finally
        {
            Directory.Delete(kept);
        }
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
