namespace Hil.Simulators.Audio;

/// <summary>Mixing at a signal-to-noise ratio.</summary>
public static class AudioMix
{
    /// <summary>Adds <paramref name="noise"/> to <paramref name="signal"/>, scaled so that signal power / noise power = 10^(snrDb/10).</summary>
    public static void AddAtSnr(Span<double> signal, ReadOnlySpan<double> noise, double snrDb)
    {
        if (noise.Length < signal.Length) throw new ArgumentException($"noise ({noise.Length} samples) is shorter than the signal ({signal.Length})");
        double ps = Synth.Rms(signal), pn = Synth.Rms(noise[..signal.Length]);
        if (pn == 0) return;
        double gain = ps / pn / Math.Pow(10, snrDb / 20);
        for (int i = 0; i < signal.Length; i++) signal[i] += gain * noise[i];
    }

    /// <summary>The SNR in dB of <paramref name="signal"/> against <paramref name="noise"/>.</summary>
    public static double SnrDb(ReadOnlySpan<double> signal, ReadOnlySpan<double> noise) =>
        20 * Math.Log10(Synth.Rms(signal) / Synth.Rms(noise));
}
