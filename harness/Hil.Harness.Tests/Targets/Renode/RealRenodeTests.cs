using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Support;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Renode;
using Hil.Harness.Tests.Support;
using Hil.Harness.Tests.Support.RenodeStandIn;

namespace Hil.Harness.Tests.Targets.Renode;

/// <summary>
/// The renode target on a real Renode (1.16, found through RENODE or PATH) running the STM32F4
/// ELF. Skipped, saying why, where Renode is not installed; the node behaviour tests in
/// <see cref="NodeOnTargetTests"/> run on it too.
/// </summary>
public sealed class RealRenodeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [SetUp]
    public void RequireRenode()
    {
        if (RenodeHostOptions.Unavailable() is string reason) Assert.Ignore(reason);
    }

    [Test]
    public async Task The_stm32f4_elf_boots_in_Renode()
    {
        await using RunningNode node = await RunningNode.StartAsync("renode");

        ConsoleReply version = await node.Console.ExecuteOkAsync("version", Wait);

        Assert.That(version["board"], Is.EqualTo("stm32f4"));
        Assert.That(((RenodeTarget)node.Target).Host!.Process, Is.Not.Null, "the shared Renode was started by the harness");
    }

    [Test]
    public async Task Renode_errors_arrive_with_Renodes_text()
    {
        RenodeHost host = await RenodeHost.GetSharedAsync();

        var error = await Assert.ThrowsAsync<RenodeCommandException>(() => host.ExecuteAsync("foo_bar_baz"));

        Assert.That(error!.RenodeMessage, Does.Contain("No such command or device: foo_bar_baz"));
    }

    [Test]
    public async Task Virtual_time_passes_through_RunFor()
    {
        await using RunningNode node = await RunningNode.StartAsync("renode", clockMode: ClockMode.Virtual);
        long before = (await node.Console.ExecuteOkAsync("uptime", Wait)).GetInt64("uptime_ms");

        await node.Target.Clock.AdvanceAsync(TimeSpan.FromSeconds(5));

        long after = (await node.Console.ExecuteOkAsync("uptime", Wait)).GetInt64("uptime_ms");
        Assert.That(after - before, Is.InRange(4_900, 5_200));
    }

    [Test]
    public async Task The_hand_script_loads_and_its_node_answers()
    {
        // renode/README.md, "By hand": include the .resc, start, type at the console.
        await using RenodeHost host = await RenodeHost.StartAsync(new RenodeHostOptions());
        int console = RenodeHost.FreeLoopbackPort(), link = RenodeHost.FreeLoopbackPort(), stimulus = RenodeHost.FreeLoopbackPort();
        await host.ExecuteAsync($"$console_port={console}");
        await host.ExecuteAsync($"$link_port={link}");
        await host.ExecuteAsync($"$stimulus_port={stimulus}");
        await host.ExecuteAsync($"include @{Path.Combine(RepositoryLayout.Root, "renode", "hive-node.resc")}");
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", console);
        await using var channel = new Hil.Harness.Channels.TargetChannel("hive-node", "console");
        await channel.AttachAsync(client.GetStream());
        await host.ExecuteAsync("start");

        await channel.ExpectLineAsync(new System.Text.RegularExpressions.Regex("^hive-node ready"), Wait);
        await channel.WriteLineAsync("version");

        await channel.ExpectLineAsync(new System.Text.RegularExpressions.Regex("board=stm32f4"), Wait);
    }

    [Test]
    public async Task A_node_from_the_booted_snapshot_lives_what_a_fresh_one_lives()
    {
        await using RenodeHost host = await RenodeHost.StartAsync(new RenodeHostOptions());
        string[] fresh = await SnapshotRun.ModemTimelineAsync(host);
        string[] loaded = await SnapshotRun.ModemTimelineAsync(host);

        Assert.That(host.SnapshotLoads, Is.EqualTo(1));
        Assert.That(fresh, Has.Some.Contains("MQTTPUB"), "the node got online and published");
        Assert.That(loaded, Is.EqualTo(fresh));
    }
}
