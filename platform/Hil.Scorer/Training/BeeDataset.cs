using Hil.Scorer.Edge;
using Hil.Simulators.Audio;

namespace Hil.Scorer.Training;

/// <summary>One labelled example: the 20 network inputs the firmware would compute, and whether it is an event.</summary>
public sealed record BeeExample(float[] Inputs, bool IsEvent, string Label);

/// <summary>How to build a training set from the audio simulator.</summary>
public sealed record BeeDatasetOptions
{
    public int Clips { get; init; } = 1200;
    public double Seconds { get; init; } = 2;
    public int Seed { get; init; } = 1;
    public double SnrDb { get; init; } = BeeClipOptions.DefaultSnrDb;

    public void Validate()
    {
        if (Clips < 20) throw new ArgumentException($"a data set needs at least 20 clips (got {Clips})");
        if (Seconds is < 0.1 or > 60) throw new ArgumentException($"clip length must be in [0.1, 60] s (got {Seconds})");
    }
}

/// <summary>
/// Labelled examples from the audio simulator, through the C# reference DSP so the inputs are the
/// firmware's bit for bit. Half the clips are calm hives (a third of those with rain, wind or
/// voices), half are events (piping, quacking, pre-swarm, some with noise). Each clip follows
/// <see cref="DspTables.TrustedHistory"/> calm captures of the same hive, so the spike ratio is what a node
/// trusts it to be (before that much history the node raises no event, whatever the network says).
/// Temperature, humidity and hour are drawn independently of the label.
/// </summary>
public static class BeeDataset
{
    public static IReadOnlyList<BeeExample> Generate(BeeDatasetOptions options)
    {
        options.Validate();
        var random = new Random(options.Seed);
        var examples = new BeeExample[options.Clips];
        var seeds = Enumerable.Range(0, options.Clips).Select(_ => random.Next()).ToArray();
        Parallel.For(0, options.Clips, i => examples[i] = Example(i, seeds[i], options));
        return examples;
    }

    private static BeeExample Example(int index, int seed, BeeDatasetOptions options)
    {
        var random = new Random(seed);
        bool isEvent = index % 2 == 1;
        HiveSound sound = isEvent ? (HiveSound)(1 + random.Next(3)) : HiveSound.Normal;
        OutsideNoise noise = random.NextDouble() < (isEvent ? 0.25 : 0.34) ? (OutsideNoise)(1 + random.Next(3)) : OutsideNoise.None;
        double level = 0.015 + 0.085 * random.NextDouble();
        var dsp = new ReferenceDsp();
        for (int i = 0; i < DspTables.TrustedHistory; i++)
        {
            var history = new BeeClipOptions { Sound = HiveSound.Normal, Seconds = Math.Min(1, options.Seconds), Seed = random.Next(), Level = level };
            dsp.Capture(BeeAudioGenerator.Generate(history).Samples);
        }
        BeeClip clip = BeeAudioGenerator.Generate(new BeeClipOptions
        {
            Sound = sound, Noise = noise, Seconds = options.Seconds, Seed = random.Next(), Level = level, SnrDb = options.SnrDb,
        });
        AudioFeatures audio = dsp.Capture(clip.Samples);
        // The node sees sensors in hundredths: quantise the same way.
        float temperature = (short)Math.Round((22 + 16 * random.NextDouble()) * 100) / 100.0f;
        float humidity = (ushort)Math.Round((35 + 50 * random.NextDouble()) * 100) / 100.0f;
        float hour = random.Next(24);
        return new BeeExample(BeeNetwork.Features(temperature, humidity, hour, audio), clip.IsEvent, clip.Label);
    }
}
