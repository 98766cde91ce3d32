using Hil.Harness.Firmware;
using Hil.Harness.Gdb;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Qemu;
using Hil.Scorer.Edge;
using Hil.Simulators.Audio;
using Hil.Simulators.Modem;
using Hil.Harness.Support;

namespace Hil.Scorer.Tests.Edge;

/// <summary>
/// The GDB fast path: whole 6 s clips written into the QEMU node's staging buffer give the same
/// feature and probability bits as the C# reference fed the same clips (its speed is measured by
/// <c>./hil bench dsp</c>, not here).
/// </summary>
public sealed class GdbAudioFeedTests
{
    [Test]
    public async Task Clips_written_through_QEMUs_gdb_server_give_the_reference_bits()
    {
        var reference = new ReferenceNode(ModelHeader.Read(Path.Combine(RepositoryLayout.Root, ModelHeader.RepositoryPath)));
        await using var target = new QemuTarget(new QemuTargetOptions { Name = "gdb-audio", GdbServer = true });
        new EspAtModem().Attach(target.GetChannel(ChannelNames.Link));
        await target.StartAsync();
        Assert.That(target.GdbPort, Is.Not.Null);
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        await console.WaitForPromptAsync(TimeSpan.FromSeconds(5));
        var feed = new GdbAudioFeed(target.GdbPort!.Value, ElfSymbols.Load(FirmwareImages.Stm32Elf), target.GetChannel(ChannelNames.Stimulus));
        var driver = new AudioCaptureDriver(console, target.GetChannel(ChannelNames.Stimulus), feed);
        await driver.SendSensorAsync(33.5, 61.25, 14);
        reference.Sensor(33.5, 61.25, 14);

        foreach ((HiveSound sound, int seed) in new[] { (HiveSound.Normal, 11), (HiveSound.Piping, 12) })
        {
            short[] clip = BeeAudioGenerator.Generate(new BeeClipOptions { Sound = sound, Seconds = 6, Seed = seed }).Samples;
            ConsoleReply node = await driver.CaptureAndInferAsync(clip, TimeSpan.FromSeconds(60));
            EdgeInference expected = reference.Capture(clip);

            TestContext.Out.WriteLine($"{sound}: node {string.Join(" ", node.Values.Select(kv => kv.Key + "=" + kv.Value))}; reference frames={expected.Frames} features=0x{expected.FeaturesHash:x8}");
            Assert.That(feed.LastBlockCount, Is.EqualTo((clip.Length + GdbAudioFeed.BlockSamples - 1) / GdbAudioFeed.BlockSamples));
            Assert.That(node["features"], Is.EqualTo($"0x{expected.FeaturesHash:x8}"), $"feature bits of the {sound} clip");
            Assert.That(node["p_bits"], Is.EqualTo($"0x{expected.PBits:x8}"), $"probability bits of the {sound} clip");
            Assert.That(node.GetInt64("frames"), Is.EqualTo(expected.Frames));
            Assert.That(feed.CycleHz, Is.EqualTo(168_000_000u), "the STM32F4 board counts core cycles at 168 MHz");
            Assert.That(feed.LastBusyCycles, Is.GreaterThan(0u), "the node timed its work on the clip");
        }
        // The node runs on after the harness detaches: its console still answers.
        Assert.That((await console.ExecuteOkAsync("uptime"))["uptime_ms"], Does.Match("^[0-9]+$"));
    }
}
