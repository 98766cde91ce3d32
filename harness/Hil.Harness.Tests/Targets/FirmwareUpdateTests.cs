using Hil.Harness.Firmware;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Native;

namespace Hil.Harness.Tests.Targets;

/// <summary>A native node updated in place comes up running the new image with its identity and flash (boot counter, config).</summary>
public sealed class FirmwareUpdateTests
{
    [Test]
    public async Task An_updated_native_node_runs_the_new_image_with_its_id_boot_counter_and_config()
    {
        string older = await FirmwareBuilder.EnsureAsync(new FirmwareVariant("native", "2.1.0", 2));
        string newer = await FirmwareBuilder.EnsureAsync(new FirmwareVariant("native", FirmwareVariant.DefaultFirmwareVersion, FirmwareVariant.DefaultProtocolVersion));
        await using var target = new NativeTarget(new NativeTargetOptions { Name = "update", ExecutablePath = older, Mac = "02:00:00:00:0a:01" });
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        await target.StartAsync();
        await console.WaitForPromptAsync(TimeSpan.FromSeconds(10));
        await console.ExecuteOkAsync("config set interval_s 17");
        ConsoleReply before = await console.ExecuteOkAsync("status");

        await ((IFirmwareUpdatable)target).UpdateFirmwareAsync(newer);
        await console.WaitForPromptAsync(TimeSpan.FromSeconds(10));

        ConsoleReply version = await console.ExecuteOkAsync("version");
        ConsoleReply after = await console.ExecuteOkAsync("status");
        Assert.That((version["fw"], version["protocol"]), Is.EqualTo(("3.0.0", "3")));
        Assert.That(after["node"], Is.EqualTo(before["node"]).And.EqualTo("020000000a01"));
        Assert.That(after.GetInt64("boot"), Is.EqualTo(before.GetInt64("boot") + 1));
        Assert.That((await console.ExecuteOkAsync("config get interval_s"))["interval_s"], Is.EqualTo("17"));
        Assert.That(target.ExecutablePath, Is.EqualTo(newer));
    }

    [Test]
    public async Task A_missing_image_is_refused_before_the_running_node_is_touched()
    {
        await using var target = new NativeTarget(new NativeTargetOptions { Name = "update-missing" });
        await target.StartAsync();

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => ((IFirmwareUpdatable)target).UpdateFirmwareAsync("/nonexistent/hive-node"));

        Assert.That(error!.Message, Does.Contain("/nonexistent/hive-node"));
        Assert.That(target.State, Is.EqualTo(TargetState.Running));
        Assert.That((await new NodeConsole(target.GetChannel(ChannelNames.Console)).ExecuteOkAsync("version"))["fw"], Is.EqualTo("3.0.0"));
    }
}
