namespace Hil.Simulators.Audio;

public enum WavSampleFormat { Pcm, Float }

/// <summary>
/// Decoded WAV content: interleaved samples scaled to [-1, 1) whatever the file's encoding, plus
/// what the file said about itself.
/// </summary>
public sealed record WavAudio(int SampleRate, int Channels, int BitsPerSample, WavSampleFormat Format, float[] Interleaved)
{
    public int FrameCount => Interleaved.Length / Channels;

    public TimeSpan Duration => TimeSpan.FromSeconds((double)FrameCount / SampleRate);

    /// <summary>The average of the channels per frame.</summary>
    public float[] ToMono()
    {
        if (Channels == 1) return (float[])Interleaved.Clone();
        var mono = new float[FrameCount];
        for (int f = 0; f < mono.Length; f++)
        {
            float sum = 0;
            for (int c = 0; c < Channels; c++) sum += Interleaved[f * Channels + c];
            mono[f] = sum / Channels;
        }
        return mono;
    }

    /// <summary>Mono 16-bit samples (rounded, saturated), what the node's stimulus channel carries.</summary>
    public short[] ToMonoPcm16() => Pcm16.FromFloat(ToMono());
}

/// <summary>Float ↔ 16-bit PCM with rounding and saturation (full scale is 32768).</summary>
public static class Pcm16
{
    public static short[] FromFloat(ReadOnlySpan<float> samples)
    {
        var pcm = new short[samples.Length];
        for (int i = 0; i < pcm.Length; i++) pcm[i] = (short)Math.Clamp(Math.Round(samples[i] * 32768.0), short.MinValue, short.MaxValue);
        return pcm;
    }

    public static short[] FromDouble(ReadOnlySpan<double> samples)
    {
        var pcm = new short[samples.Length];
        for (int i = 0; i < pcm.Length; i++) pcm[i] = (short)Math.Clamp(Math.Round(samples[i] * 32768.0), short.MinValue, short.MaxValue);
        return pcm;
    }
}
