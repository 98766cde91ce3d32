using System.Text.Json;
using Hil.Harness.Clocks;
using Hil.Harness.Support;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Qemu;
using Hil.Simulators.Modem;

namespace Hil.Simulators.Tests.Modem;

/// <summary>
/// A harness that is slow to answer (here: a modem that takes half a second of wall time over every answer, as a
/// starved harness on a busy CI machine does) must make an emulated node's run slower, never different. The node's
/// AT timeout is 5 s of device time; under -icount sleep=off half a second of host time is far more than that while
/// the node sleeps, so without lockstep it times out and retries commands that the modem did answer.
/// </summary>
public sealed class QemuLockstepTests
{
    private static readonly TimeSpan SlowAnswer = TimeSpan.FromMilliseconds(500);

    [Test]
    public async Task A_harness_slow_to_answer_does_not_change_what_an_emulated_node_sees()
    {
        (EspAtModem modem, IReadOnlyList<string> console, QemuLockstep? lockstep) = await BootWithSlowModemAsync(lockstep: true);

        Assert.That(console.Where(l => l.Contains("timeout", StringComparison.Ordinal)), Is.Empty, "the node saw a timeout");
        Assert.That(modem.Commands, Is.Unique, "the node repeated a command the modem had answered");
        Assert.That(lockstep!.HarnessBehind, Is.GreaterThan(0), "lockstep held the node at least once (else this test proves nothing)");
        Assert.That(lockstep.Fault, Is.Null);
    }

    /// <summary>The premise of the test above: it must be able to fail, so without lockstep the same slow modem is too slow.</summary>
    [Test]
    public async Task Without_lockstep_the_same_slow_harness_makes_the_node_time_out()
    {
        (_, IReadOnlyList<string> console, _) = await BootWithSlowModemAsync(lockstep: false);

        Assert.That(console.Any(l => l.Contains("AT timeout", StringComparison.Ordinal)), Is.True, string.Join("\n", console));
    }

    /// <summary>
    /// With only the modem to talk to, what the node does in device time is a function of its firmware alone: the
    /// device time of every AT command it sent (read from its uptime counter while lockstep holds it) and the uptime and
    /// seq of every reading, run after run, on a quiet machine and beside a CPU load.
    /// </summary>
    [Test]
    public async Task An_emulated_nodes_trace_is_the_same_every_run_quiet_or_loaded()
    {
        string first = await TraceAsync();
        string second = await TraceAsync();
        string loaded;
        using (CpuLoad.Start(2 * Environment.ProcessorCount)) loaded = await TraceAsync();

        Assert.That(first, Does.Contain("ms > AT+MQTTCONN="), "the commands carry device times");
        Assert.That(first, Does.Not.Contain("? >"), "every command has its device time");
        Assert.That(second, Is.EqualTo(first), "a second quiet run");
        Assert.That(loaded, Is.EqualTo(first), "a run under load");
    }

    private const int TracedReadings = 4;

    private static async Task<string> TraceAsync()
    {
        await using var target = new QemuTarget(new QemuTargetOptions { Name = "trace", ClockMode = ClockMode.Virtual, Mac = "02:00:00:00:7e:01" });
        await using var modem = new EspAtModem();
        modem.Attach(target.GetChannel(ChannelNames.Link));
        modem.DeviceTime = ((IDeviceTimeSource)target.Clock).TimeOfOutputAsync;
        await target.StartAsync();
        static bool IsReading(ModemPublish p) => p.Topic.EndsWith("/telemetry", StringComparison.Ordinal);
        Assert.That(await modem.WaitUntilAsync(m => m.Publishes.Count(IsReading) >= TracedReadings, TimeSpan.FromSeconds(120)),
            $"{TracedReadings} readings within 2 min");
        IEnumerable<string> readings = modem.Publishes.Where(IsReading).Take(TracedReadings).Select(p =>
        {
            using JsonDocument json = JsonDocument.Parse(p.Payload);
            return $"reading seq {json.RootElement.GetProperty("seq")} at {json.RootElement.GetProperty("uptime_ms")} ms";
        });
        // Up to the command that published the last traced reading: the node goes on while the harness reads.
        IReadOnlyList<ModemEvent> timeline = modem.Timeline;
        int lastPublish = timeline.Select((e, i) => (e, i)).Where(x => x.e.Text.StartsWith("AT+MQTTPUB", StringComparison.Ordinal))
            .Skip(TracedReadings - 1).First().i;
        return string.Join("\n", readings.Concat(timeline.Take(lastPublish + 1).Select(e => e.ToString())));
    }

    private static async Task<(EspAtModem, IReadOnlyList<string>, QemuLockstep?)> BootWithSlowModemAsync(bool lockstep)
    {
        await using var target = new QemuTarget(new QemuTargetOptions { Name = "slow-harness", ClockMode = ClockMode.Virtual, Lockstep = lockstep });
        await using var modem = new EspAtModem { ResponseDelay = SlowAnswer };
        modem.Attach(target.GetChannel(ChannelNames.Link));
        await target.StartAsync();
        QemuLockstep? gate = target.Lockstep;
        Assert.That(gate is not null, Is.EqualTo(lockstep));
        var consoleChannel = target.GetChannel(ChannelNames.Console);
        if (lockstep)
        {
            // Join, MQTT user config, connect, subscribe: each answer half a second late.
            await modem.WaitForMqttAsync(TimeSpan.FromSeconds(60));
            await consoleChannel.ExpectLineAsync("mqtt connected", TimeSpan.FromSeconds(30));
        }
        else
        {
            await consoleChannel.ExpectLineAsync("AT timeout", TimeSpan.FromSeconds(60));
        }
        return (modem, consoleChannel.Tail(200), gate);
    }
}
