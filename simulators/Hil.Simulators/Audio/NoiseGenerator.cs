namespace Hil.Simulators.Audio;

/// <summary>Outside sounds at unit RMS: rain (broadband hiss and drops), wind (low rumble in gusts), voices (formant speech).</summary>
internal static class NoiseGenerator
{
    public static double[] Generate(OutsideNoise kind, Random r, int n)
    {
        double[] noise = kind switch
        {
            OutsideNoise.Rain => Rain(r, n),
            OutsideNoise.Wind => Wind(r, n),
            OutsideNoise.Voices => Voices(r, n),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no noise to generate"),
        };
        Synth.Scale(noise, 1 / Math.Max(Synth.Rms(noise), 1e-12));
        return noise;
    }

    /// <summary>Hiss plus drops: short decaying bursts at 1–5 kHz, ~150 per second.</summary>
    private static double[] Rain(Random r, int n)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = 0.3 * Synth.Gaussian(r);
        double rate = Synth.Uniform(r, 80, 250) / Synth.Fs;
        for (int i = 0; i < n; i++)
        {
            if (r.NextDouble() >= rate) continue;
            double f = Synth.Uniform(r, 1000, 5000), a = Synth.Uniform(r, 0.5, 2), tau = Synth.Uniform(r, 0.001, 0.004) * Synth.Fs;
            for (int k = 0; k < 6 * tau && i + k < n; k++) x[i + k] += a * Math.Exp(-k / tau) * Math.Sin(2 * Math.PI * f * k / Synth.Fs);
        }
        return x;
    }

    /// <summary>Brown-ish rumble below ~150 Hz whose strength follows gusts of 2–8 s.</summary>
    private static double[] Wind(Random r, int n)
    {
        double[] rumble = Synth.LowPassNoise(r, n, 40);
        double[] whoosh = Synth.LowPassNoise(r, n, 400);
        double[] gusts = Synth.Wander(r, n, Synth.Uniform(r, 2, 8));
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = (0.6 + 0.4 * gusts[i]) * (10 * rumble[i] + 0.5 * whoosh[i]);
        return x;
    }

    /// <summary>Speech-like: a glottal pulse train (90–220 Hz, intonation) through two formants, in syllables of ~0.25 s.</summary>
    private static double[] Voices(Random r, int n)
    {
        var source = new double[n];
        double f0 = Synth.Uniform(r, 90, 220), phase = 0;
        double[] intonation = Synth.Wander(r, n, 0.6);
        int syllable = (int)(0.25 * Synth.Fs);
        bool voiced = true;
        for (int i = 0; i < n; i++)
        {
            if (i % syllable == 0) voiced = r.NextDouble() < 0.75;
            phase += f0 * (1 + 0.15 * intonation[i]) / Synth.Fs;
            if (phase >= 1)
            {
                phase -= 1;
                if (voiced) source[i] = 1;
            }
            source[i] += 0.02 * Synth.Gaussian(r) + (voiced ? 0 : 0.05 * Synth.Gaussian(r));
        }
        var y = new double[n];
        var formant = new double[syllable];
        for (int s = 0; s < n; s += syllable)
        {
            int len = Math.Min(syllable, n - s);
            double f1 = Synth.Uniform(r, 300, 800), f2 = Synth.Uniform(r, 900, 2200);
            Synth.Resonate(source.AsSpan(s, len), formant.AsSpan(0, len), f1, 90);
            for (int k = 0; k < len; k++) y[s + k] += formant[k] * Synth.Gate(k, 0, len, len / 5);
            Synth.Resonate(source.AsSpan(s, len), formant.AsSpan(0, len), f2, 120);
            for (int k = 0; k < len; k++) y[s + k] += 0.5 * formant[k] * Synth.Gate(k, 0, len, len / 5);
        }
        return y;
    }
}
