using System.Text.Json;
using System.Text.RegularExpressions;
using Hil.Harness.Node;
using Hil.Harness.Support;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Renode;
using Hil.Harness.Tests.Support;
using Hil.Simulators.Modem;

namespace Hil.Harness.Tests.Targets;

/// <summary>
/// The reference node's behaviour, asserted identically on every backend ("serial": a native node
/// wired through socat ptys to the serial target; "renode": skipped unless Renode is installed).
/// </summary>
[TestFixture("native")]
[TestFixture("qemu")]
[TestFixture("renode")]
[TestFixture("serial")]
public sealed class NodeOnTargetTests(string backend)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private string ExpectedBoard => backend is "qemu" or "renode" ? "stm32f4" : "native";

    [SetUp]
    public void RequireBackend()
    {
        if (backend == "renode" && RenodeHostOptions.Unavailable() is string reason) Assert.Ignore(reason);
    }

    [Test]
    public async Task Boots_and_reports_its_version()
    {
        await using RunningNode node = await RunningNode.StartAsync(backend);

        ConsoleReply version = await node.Console.ExecuteOkAsync("version");

        Assert.That(version["fw"], Is.EqualTo("3.0.0"));
        Assert.That(version["protocol"], Is.EqualTo("3"));
        Assert.That(version["board"], Is.EqualTo(ExpectedBoard));
        Assert.That(version["build"], Is.Not.Empty);
    }

    [Test]
    public async Task Config_set_survives_a_reboot()
    {
        await using RunningNode node = await RunningNode.StartAsync(backend);
        long bootBefore = (await node.Console.ExecuteOkAsync("status")).GetInt64("boot");
        await node.Console.ExecuteOkAsync("config set interval_s 17");
        long readyFrom = node.Console.Channel.LineCount;

        await node.Console.Channel.WriteLineAsync("reboot");
        await node.Console.Channel.ExpectLineAsync(new Regex("hive-node ready"), Wait);
        await node.Console.WaitForPromptAsync(Wait);

        Assert.That(node.Console.Channel.LineCount, Is.GreaterThan(readyFrom));
        Assert.That((await node.Console.ExecuteOkAsync("config get interval_s"))["interval_s"], Is.EqualTo("17"));
        Assert.That((await node.Console.ExecuteOkAsync("status")).GetInt64("boot"), Is.EqualTo(bootBefore + 1));
    }

    [Test]
    public async Task Unknown_command_and_bad_argument_answer_ERR()
    {
        await using RunningNode node = await RunningNode.StartAsync(backend);

        ConsoleReply unknown = await node.Console.ExecuteAsync("frobnicate");
        ConsoleReply badValue = await node.Console.ExecuteAsync("config set interval_s abc");
        ConsoleReply badKey = await node.Console.ExecuteAsync("config set no_such_key 1");

        Assert.That(unknown.Error, Does.Contain("frobnicate"));
        Assert.That(badValue.Error, Does.Contain("interval_s"));
        Assert.That(badKey.Error, Does.Contain("no_such_key"));
        Assert.That((await node.Console.ExecuteAsync("version")).IsError, Is.False, "the console still works");
    }

    [Test]
    public async Task A_stimulus_frame_produces_a_telemetry_publish_on_the_link()
    {
        await using RunningNode node = await RunningNode.StartAsync(backend);
        string nodeId = await node.NodeIdAsync();
        await node.Console.Channel.WaitForAsync(_ => node.Modem.MqttConnected, "the node's MQTT connection through the modem", Wait);

        await node.SendStimulusAsync(StimulusFrames.Sensor(24.5, 58, hour: 9, publishNow: true));

        string topic = $"devices/{nodeId}/telemetry";
        ModemPublish publish = await node.Modem.WaitForPublishAsync(p => p.Topic == topic, $"on {topic}", Wait);
        using JsonDocument json = JsonDocument.Parse(publish.Payload);
        Assert.That(json.RootElement.GetProperty("v").GetInt32(), Is.EqualTo(3));
        Assert.That(json.RootElement.GetProperty("node_id").GetString(), Is.EqualTo(nodeId));
        Assert.That(json.RootElement.GetProperty("temperature_c").GetDouble(), Is.EqualTo(24.5));
        Assert.That(json.RootElement.GetProperty("humidity_pct").GetDouble(), Is.EqualTo(58));
        Assert.That(node.Target.GetChannel(ChannelNames.Link).LinesSince(0),
            Has.Some.StartsWith($"AT+MQTTPUBRAW=0,\"{topic}\","), "the AT traffic is visible on the link channel");
    }

    [Test]
    public async Task Garbage_on_the_stimulus_channel_is_counted_not_fatal()
    {
        await using RunningNode node = await RunningNode.StartAsync(backend);
        var garbage = new byte[300];
        new Random(42).NextBytes(garbage);
        garbage[0] = 0xA5; // a false start of frame among the garbage
        garbage[1] = 0x5A;

        await node.SendStimulusAsync(garbage);
        await node.SendStimulusAsync(StimulusFrames.Sensor(20, 50));
        ConsoleReply status = await WaitForStatusAsync(node, s => s.GetInt64("stim_frames") >= 1);

        Assert.That(status.GetInt64("stim_bad"), Is.GreaterThanOrEqualTo(1));
        Assert.That(status.GetInt64("stim_frames"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_hardware_reset_reboots_the_node()
    {
        await using RunningNode node = await RunningNode.StartAsync(backend);
        long bootBefore = (await node.Console.ExecuteOkAsync("status")).GetInt64("boot");

        await node.Target.ResetAsync();
        await node.Console.WaitForPromptAsync(Wait);

        ConsoleReply status = await node.Console.ExecuteOkAsync("status");
        Assert.That(status.GetInt64("boot"), Is.EqualTo(bootBefore + 1));
        Assert.That(status.GetInt64("uptime_ms"), Is.LessThan(60_000));
    }

    [Test]
    public async Task Two_targets_run_side_by_side()
    {
        await using RunningNode first = await RunningNode.StartAsync(backend, "node-a");
        await using RunningNode second = await RunningNode.StartAsync(backend, "node-b");

        string[] ids = await Task.WhenAll(first.NodeIdAsync(), second.NodeIdAsync());
        ConsoleReply[] versions = await Task.WhenAll(first.Console.ExecuteOkAsync("version"), second.Console.ExecuteOkAsync("version"));

        Assert.That(ids[0], Is.Not.EqualTo(ids[1]), "each node has its own id");
        Assert.That(versions.Select(v => v["board"]), Is.All.EqualTo(ExpectedBoard));
    }

    [Test]
    public async Task A_modem_that_never_answers_does_not_hang_the_firmware()
    {
        await using RunningNode node = await RunningNode.StartAsync(backend, configureModem: m => m.Silent = true);
        await node.Console.Channel.WaitForAsync(_ => node.Modem.Commands.Count >= 1, "a first AT command to the silent modem", Wait);

        // Every AT exchange times out and is retried; all the while the console answers.
        await node.Console.Channel.WaitForAsync(_ => node.Modem.Commands.Count >= 2, "the node retrying its silent modem", TimeSpan.FromSeconds(30));
        ConsoleReply status = await node.Console.ExecuteOkAsync("status");

        Assert.That(status["link"], Is.EqualTo("down"));
        Assert.That(node.Modem.Commands, Has.All.StartsWith("AT"));
    }

    private static Task<ConsoleReply> WaitForStatusAsync(RunningNode node, Func<ConsoleReply, bool> condition) =>
        Poll.UntilAsync(ct => node.Console.ExecuteOkAsync("status", cancellationToken: ct), condition, "the node's status", Wait);
}
