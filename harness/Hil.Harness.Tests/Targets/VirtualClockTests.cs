using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Targets.Native;
using Hil.Harness.Tests.Support;

namespace Hil.Harness.Tests.Targets;

/// <summary>Device time that the harness owns: native through the control protocol, QEMU through icount.</summary>
public sealed class VirtualClockTests
{
    [Test]
    public async Task Native_virtual_time_stands_still_until_advanced()
    {
        await using RunningNode node = await RunningNode.StartAsync("native", clockMode: ClockMode.Virtual);
        long first = (await node.Console.ExecuteOkAsync("uptime")).GetInt64("uptime_ms");
        long again = (await node.Console.ExecuteOkAsync("uptime")).GetInt64("uptime_ms");

        await node.Target.Clock.AdvanceAsync(TimeSpan.FromMinutes(10));
        long after = (await node.Console.ExecuteOkAsync("uptime")).GetInt64("uptime_ms");

        Assert.That(again, Is.EqualTo(first), "no time passes unless the harness advances it");
        Assert.That(after - first, Is.EqualTo(600_000));
        Assert.That((await node.Target.Clock.GetDeviceTimeAsync()).TotalMilliseconds, Is.GreaterThanOrEqualTo(after));
    }

    [Test]
    public async Task A_native_node_on_the_virtual_clock_runs_as_a_batch_process_and_one_on_the_wall_clock_does_not()
    {
        await using RunningNode stepped = await RunningNode.StartAsync("native", clockMode: ClockMode.Virtual);
        await using RunningNode free = await RunningNode.StartAsync("native", name: "node-2", clockMode: ClockMode.Wall);
        const int Normal = 0, Batch = 3;

        Assert.That(PolicyOf(ProcessOf(stepped)), Is.EqualTo(Batch), "it must not preempt the harness that steps it");
        Assert.That(PolicyOf(ProcessOf(free)), Is.EqualTo(Normal), "on wall time it keeps the ordinary policy");
        await stepped.Console.ExecuteOkAsync("reboot");
        await stepped.Target.Clock.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.That(PolicyOf(ProcessOf(stepped)), Is.EqualTo(Batch), "a reboot (the node execs itself) keeps it");

        static int ProcessOf(RunningNode node) => ((NativeTarget)node.Target).Process!.Id;
    }

    // The scheduling policy of a process as /proc shows it: field 41 of /proc/PID/stat (0 normal, 3 batch).
    private static int PolicyOf(int processId)
    {
        string stat = File.ReadAllText($"/proc/{processId}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // from field 3 on, after "pid (comm) "
        return int.Parse(fields[41 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Test]
    public async Task Native_virtual_hours_pass_with_every_periodic_publish()
    {
        await using RunningNode node = await RunningNode.StartAsync("native", clockMode: ClockMode.Virtual);
        string topic = $"devices/{await node.NodeIdAsync()}/telemetry";
        await node.Console.ExecuteOkAsync("config set interval_s 60");
        await node.Target.Clock.AdvanceAsync(TimeSpan.FromSeconds(30)); // connect through the modem
        int before = node.Modem.PublishCount(topic);

        await node.Target.Clock.AdvanceAsync(TimeSpan.FromHours(2));

        int published = node.Modem.PublishCount(topic) - before;
        Assert.That(published, Is.InRange(119, 121), "one reading a minute for two hours of device time");
        ConsoleReply status = await node.Console.ExecuteOkAsync("status");
        Assert.That(status["link"], Is.EqualTo("mqtt"));
        Assert.That(status.GetInt64("buffered"), Is.Zero);
    }

    [Test]
    public async Task Native_virtual_time_lets_a_silent_modem_time_out_at_once()
    {
        await using RunningNode node = await RunningNode.StartAsync("native", clockMode: ClockMode.Virtual,
            configureModem: m => m.Silent = true);

        await node.Target.Clock.AdvanceAsync(TimeSpan.FromMinutes(5));

        ConsoleReply status = await node.Console.ExecuteOkAsync("status");
        Assert.That(status.GetInt64("reconnects"), Is.GreaterThanOrEqualTo(3), status.Text);
        Assert.That(status["link"], Is.EqualTo("down"));
    }

    [Test]
    public async Task Qemu_icount_time_runs_on_its_own_clock()
    {
        await using RunningNode node = await RunningNode.StartAsync("qemu", clockMode: ClockMode.Virtual);
        TimeSpan before = await node.Target.Clock.GetDeviceTimeAsync();

        await node.Target.Clock.AdvanceAsync(TimeSpan.FromSeconds(20));

        TimeSpan after = await node.Target.Clock.GetDeviceTimeAsync();
        Assert.That(after - before, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(20)));
    }
}
