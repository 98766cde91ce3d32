namespace Hil.Simulators.Audio;

/// <summary>Signal building blocks at 16 kHz: harmonic voices, envelopes, filtered noise, mixing.</summary>
internal static class Synth
{
    public const double Fs = BeeClipOptions.SampleRate;

    public static double Gaussian(Random r) =>
        Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    public static double Uniform(Random r, double lo, double hi) => lo + (hi - lo) * r.NextDouble();

    /// <summary>
    /// Adds a harmonic voice: fundamental <paramref name="frequency"/>(t) (Hz, per sample), harmonic h at
    /// amplitude rolloff^(h-1) with a random phase, times <paramref name="envelope"/>(t).
    /// </summary>
    public static void AddHarmonics(double[] into, Random r, Func<int, double> frequency, int harmonics, double rolloff,
        Func<int, double> envelope, double amplitude)
    {
        var phases = new double[harmonics];
        var gains = new double[harmonics];
        for (int h = 0; h < harmonics; h++)
        {
            phases[h] = r.NextDouble() * 2 * Math.PI;
            gains[h] = amplitude * Math.Pow(rolloff, h) * (h == 0 ? 1 : Uniform(r, 0.7, 1.3));
        }
        double phase = 0;
        for (int n = 0; n < into.Length; n++)
        {
            double env = envelope(n);
            phase += 2 * Math.PI * frequency(n) / Fs;
            if (env == 0) continue;
            double sum = 0;
            for (int h = 0; h < harmonics; h++) sum += gains[h] * Math.Sin((h + 1) * phase + phases[h]);
            into[n] += env * sum;
        }
    }

    /// <summary>A slow random walk in [-1, 1] (one value per sample, new target every <paramref name="seconds"/>).</summary>
    public static double[] Wander(Random r, int n, double seconds)
    {
        var w = new double[n];
        int step = Math.Max(1, (int)(seconds * Fs));
        double from = Uniform(r, -1, 1), to = Uniform(r, -1, 1);
        for (int i = 0; i < n; i++)
        {
            if (i % step == 0 && i > 0) (from, to) = (to, Uniform(r, -1, 1));
            double x = (i % step) / (double)step;
            w[i] = from + (to - from) * (0.5 - 0.5 * Math.Cos(Math.PI * x));
        }
        return w;
    }

    /// <summary>White noise through a one-pole low-pass at <paramref name="cutoffHz"/>.</summary>
    public static double[] LowPassNoise(Random r, int n, double cutoffHz)
    {
        var y = new double[n];
        double a = Math.Exp(-2 * Math.PI * cutoffHz / Fs), state = 0;
        for (int i = 0; i < n; i++) y[i] = state = a * state + (1 - a) * Gaussian(r);
        return y;
    }

    /// <summary>A two-pole resonator (formant) at <paramref name="frequency"/> with bandwidth <paramref name="bandwidth"/>.</summary>
    public static void Resonate(ReadOnlySpan<double> x, Span<double> y, double frequency, double bandwidth)
    {
        double rad = Math.Exp(-Math.PI * bandwidth / Fs), c = 2 * rad * Math.Cos(2 * Math.PI * frequency / Fs);
        double y1 = 0, y2 = 0, gain = 1 - rad;
        for (int i = 0; i < x.Length; i++)
        {
            double v = gain * x[i] + c * y1 - rad * rad * y2;
            y2 = y1;
            y1 = v;
            y[i] = v;
        }
    }

    /// <summary>A raised-cosine gate: 1 inside [start, start+length) with <paramref name="edge"/>-sample ramps.</summary>
    public static double Gate(int n, int start, int length, int edge)
    {
        int t = n - start;
        if (t < 0 || t >= length) return 0;
        if (t < edge) return 0.5 - 0.5 * Math.Cos(Math.PI * t / edge);
        if (t >= length - edge) return 0.5 - 0.5 * Math.Cos(Math.PI * (length - t) / edge);
        return 1;
    }

    public static double Rms(ReadOnlySpan<double> x)
    {
        double sum = 0;
        foreach (double v in x) sum += v * v;
        return x.Length == 0 ? 0 : Math.Sqrt(sum / x.Length);
    }

    public static void Scale(Span<double> x, double factor)
    {
        for (int i = 0; i < x.Length; i++) x[i] *= factor;
    }
}
