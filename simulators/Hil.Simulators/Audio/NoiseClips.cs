namespace Hil.Simulators.Audio;

/// <summary>Outside noise on its own (no hive), at a fixed RMS of 0.05 full scale.</summary>
public static class NoiseClips
{
    public static short[] Generate(OutsideNoise kind, double seconds, int seed)
    {
        if (kind == OutsideNoise.None) throw new ArgumentException("choose a noise: Rain, Wind or Voices");
        new BeeClipOptions { Seconds = seconds }.Validate();
        double[] noise = NoiseGenerator.Generate(kind, new Random(seed), (int)Math.Round(seconds * BeeClipOptions.SampleRate));
        Synth.Scale(noise, 0.05);
        return Pcm16.FromDouble(noise);
    }
}
