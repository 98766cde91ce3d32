using Hil.Harness.Node;
using Hil.Harness.Support;
using Hil.Harness.Tests.Support;

namespace Hil.Harness.Tests.Targets;

/// <summary>
/// The host and ARM builds compute the DSP features and the network bit for bit alike
/// (-ffp-contract=off, only + - * / and sqrtf), so an edge result can be reproduced anywhere.
/// </summary>
public sealed class ParityTests
{
    private const int ClipSamples = 8192; // 16 FFT frames of 512; bulk audio over an emulated UART is slow

    [Test]
    public async Task The_same_stimulus_gives_the_same_features_and_network_output_on_native_and_qemu()
    {
        short[] clip = HiveHum(seed: 11);
        await using RunningNode native = await RunningNode.StartAsync("native", "parity-native");
        await using RunningNode qemu = await RunningNode.StartAsync("qemu", "parity-qemu");

        ConsoleReply[] results = await Task.WhenAll(InferAsync(native, clip), InferAsync(qemu, clip));

        Assert.That(results[0].GetInt64("frames"), Is.EqualTo(ClipSamples / 512));
        Assert.That(results[0]["features"], Is.Not.EqualTo("0x00000000"));
        Assert.That(results[1]["features"], Is.EqualTo(results[0]["features"]), "feature checksum");
        Assert.That(results[1]["p_bits"], Is.EqualTo(results[0]["p_bits"]), "network output bits");
        Assert.That(results[1]["rms"], Is.EqualTo(results[0]["rms"]));
    }

    private static async Task<ConsoleReply> InferAsync(RunningNode node, short[] clip)
    {
        await node.SendStimulusAsync(StimulusFrames.Sensor(31.5, 64, hour: 14));
        byte[][] frames = StimulusFrames.AudioClip(clip).ToArray();
        long blocksBefore = (await node.Console.ExecuteOkAsync("status")).GetInt64("audio_blocks");
        foreach (byte[] frame in frames) await node.SendStimulusAsync(frame);
        await Poll.UntilAsync(ct => node.Console.ExecuteOkAsync("status", cancellationToken: ct),
            s => s.GetInt64("audio_blocks") >= blocksBefore + frames.Length, $"{frames.Length} audio blocks on {node.Target.Name}",
            TimeSpan.FromSeconds(60), interval: TimeSpan.FromMilliseconds(100));
        return await node.Console.ExecuteOkAsync("infer");
    }

    /// <summary>A deterministic hive-like hum: 250 Hz with harmonics, slow modulation and noise.</summary>
    private static short[] HiveHum(int seed)
    {
        var random = new Random(seed);
        var samples = new short[ClipSamples];
        for (int i = 0; i < samples.Length; i++)
        {
            double t = i / 16000.0;
            double hum = Math.Sin(2 * Math.PI * 250 * t) + 0.5 * Math.Sin(2 * Math.PI * 500 * t) + 0.25 * Math.Sin(2 * Math.PI * 750 * t);
            double level = 0.6 + 0.4 * Math.Sin(2 * Math.PI * 0.5 * t);
            samples[i] = (short)Math.Clamp((hum * level * 0.3 + (random.NextDouble() - 0.5) * 0.05) * 32767, short.MinValue, short.MaxValue);
        }
        return samples;
    }
}
