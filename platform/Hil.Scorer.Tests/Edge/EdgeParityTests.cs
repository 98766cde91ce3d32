using System.Globalization;
using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Support;
using Hil.Harness.Targets;
using Hil.Scorer.Edge;
using Hil.Simulators.Audio;
using Hil.Simulators.Modem;

namespace Hil.Scorer.Tests.Edge;

/// <summary>
/// Edge vs server: simulator clips played into the real firmware (native process, and the STM32F4
/// build in QEMU) give the same feature bits, probability bits and label as the C# reference fed the
/// same sequence. Clips are short because bulk audio over an emulated UART is ~10 KiB/s; set
/// HIL_PARITY_CLIPS for a longer run (1,000 for the figure in docs/benchmarks.md).
/// </summary>
public sealed class EdgeParityTests
{
    private static readonly int ClipCount = int.TryParse(Environment.GetEnvironmentVariable("HIL_PARITY_CLIPS"), out int n) ? n : 12;

    [TestCase("native")]
    [TestCase("qemu")]
    public async Task Simulator_clips_give_the_reference_bits_on_the_firmware(string backend)
    {
        BeeModel model = ModelHeader.Read(Path.Combine(RepositoryLayout.Root, ModelHeader.RepositoryPath));
        var reference = new ReferenceNode(model);
        await using ITarget target = TargetFactory.Create(backend, $"parity-{backend}", ClockMode.Wall);
        new EspAtModem().Attach(target.GetChannel(ChannelNames.Link));
        await target.StartAsync();
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        await console.WaitForPromptAsync(TimeSpan.FromSeconds(5));
        var driver = new AudioCaptureDriver(console, target.GetChannel(ChannelNames.Stimulus));

        float largestDifference = 0;
        var random = new Random(2024);
        for (int i = 0; i < ClipCount; i++)
        {
            BeeClip clip = ParityClips.Make(i);
            double temperature = Math.Round(25 + 12 * random.NextDouble(), 2), humidity = Math.Round(40 + 40 * random.NextDouble(), 2);
            int hour = random.Next(24);
            await driver.SendSensorAsync(temperature, humidity, hour);
            reference.Sensor(temperature, humidity, hour);

            ConsoleReply node = await driver.CaptureAndInferAsync(clip.Samples, TimeSpan.FromSeconds(30));
            EdgeInference expected = reference.Capture(clip.Samples);

            string what = $"clip {i} ({clip.Label}, {clip.Samples.Length} samples) on {backend}";
            Assert.That(node["features"], Is.EqualTo($"0x{expected.FeaturesHash:x8}"), $"feature bits of {what}");
            Assert.That(node["p_bits"], Is.EqualTo($"0x{expected.PBits:x8}"), $"probability bits of {what}");
            Assert.That(node["label"], Is.EqualTo(expected.Label), what);
            Assert.That(node.GetInt64("frames"), Is.EqualTo(expected.Frames), what);
            float pNode = BitConverter.UInt32BitsToSingle(uint.Parse(node["p_bits"][2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            largestDifference = Math.Max(largestDifference, Math.Abs(pNode - expected.PEvent));
        }
        Assert.That(largestDifference, Is.LessThanOrEqualTo(1e-6f));
        TestContext.Out.WriteLine($"{backend}: {ClipCount} clips bit-identical; largest p_event difference {largestDifference:E2} (goal <= 1e-6)");
    }
}

/// <summary>The parity clips: every hive sound and noise, lengths that do and do not fill whole 512-sample frames.</summary>
internal static class ParityClips
{
    public static BeeClip Make(int index)
    {
        var sounds = Enum.GetValues<HiveSound>();
        var noises = Enum.GetValues<OutsideNoise>();
        return BeeAudioGenerator.Generate(new BeeClipOptions
        {
            Sound = sounds[index % sounds.Length],
            Noise = noises[index / sounds.Length % noises.Length],
            Seconds = (1024 + 131 * (index % 7)) / 16000.0,
            Seed = 1000 + index,
            Level = 0.02 + 0.01 * (index % 5),
        });
    }
}
