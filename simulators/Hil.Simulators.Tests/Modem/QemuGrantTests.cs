using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Qemu;
using Hil.Simulators.Modem;

namespace Hil.Simulators.Tests.Modem;

/// <summary>
/// Device time granted step by step on QEMU (<see cref="QemuLockstep.AdvanceAsync"/>), as on native: an emulated node's
/// clock moves only as the harness advances it, never past what was granted, and input is taken in at the time the
/// node stands at. Before it, an idle QEMU node ran freely between the harness's steps.
/// </summary>
public sealed class QemuGrantTests
{
    [Test]
    public async Task A_granted_node_stands_still_between_steps_and_never_sleeps_past_its_grant()
    {
        await using var target = new QemuTarget(new QemuTargetOptions { Name = "granted", ClockMode = ClockMode.Virtual, GrantDeviceTime = true });
        await using var modem = new EspAtModem();
        modem.Attach(target.GetChannel(ChannelNames.Link));
        await target.StartAsync();
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        long start = (await console.ExecuteOkAsync("uptime", TimeSpan.FromSeconds(20))).GetInt64("uptime_ms");
        long again = (await console.ExecuteOkAsync("uptime", TimeSpan.FromSeconds(20))).GetInt64("uptime_ms");
        Assert.That(again, Is.EqualTo(start), "no device time passes while nobody grants it (console commands included)");

        long granted = start;
        var seen = new List<string>();
        for (int step = 0; step < 12; step++)
        {
            await target.Clock.AdvanceAsync(TimeSpan.FromMilliseconds(1300));
            granted += 1300;
            long uptime = (await target.Clock.GetDeviceTimeAsync()).Ticks / TimeSpan.TicksPerMillisecond;
            seen.Add($"granted {granted} ms, node at {uptime} ms");
            // A sleep is at most 0.8 s (SysTick's 24 bits on its 21 MHz clock): the node stops at the last one that ends in time.
            Assert.That(uptime, Is.InRange(granted - 800, granted), string.Join("\n", seen));
        }
        Assert.That(target.Lockstep!.GrantHolds, Is.GreaterThan(0), "the grant held the node");
        Assert.That(target.Lockstep.Fault, Is.Null);
    }

    /// <summary>The premise: without the grant the same node runs on by itself, so the test above can fail.</summary>
    [Test]
    public async Task Without_the_grant_an_idle_emulated_node_runs_on_by_itself()
    {
        await using var target = new QemuTarget(new QemuTargetOptions { Name = "free", ClockMode = ClockMode.Virtual });
        await using var modem = new EspAtModem();
        modem.Attach(target.GetChannel(ChannelNames.Link));
        await target.StartAsync();
        TimeSpan first = await target.Clock.GetDeviceTimeAsync();
        Assert.That(await Hil.Harness.Support.Poll.UntilAsync(ct => target.Clock.GetDeviceTimeAsync(ct), t => t > first + TimeSpan.FromSeconds(5),
            "the node's clock 5 s on", TimeSpan.FromSeconds(60)), Is.GreaterThan(first + TimeSpan.FromSeconds(5)));
    }
}
