using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Renode;
using Hil.Harness.Tests.Support;

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
}
