namespace Hil.Simulators.Audio;

/// <summary>
/// Synthetic hive audio (16 kHz mono), deterministic per seed. The colony's hum is a few detuned
/// harmonic voices (many bees beating their wings near one frequency) with slow amplitude
/// modulation and a broadband buzz; queen calls and agitation are laid over it, outside noise is
/// mixed in at the requested SNR.
/// </summary>
public static class BeeAudioGenerator
{
    public static BeeClip Generate(BeeClipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var random = new Random(options.Seed);
        int n = (int)Math.Round(options.Seconds * BeeClipOptions.SampleRate);

        double[] hive = options.Sound == HiveSound.PreSwarm ? Agitated(random, n) : Hum(random, n);
        Synth.Scale(hive, options.Level / Math.Max(Synth.Rms(hive), 1e-12));
        switch (options.Sound)
        {
            case HiveSound.Piping:
                AddCalls(hive, random, options.Level, Synth.Uniform(random, 400, 500), periodS: (0.9, 1.2), dutyCycle: (0.5, 0.8), gain: (1.2, 2.2));
                break;
            case HiveSound.Quacking:
                AddCalls(hive, random, options.Level, Synth.Uniform(random, 330, 390), periodS: (0.25, 0.4), dutyCycle: (0.35, 0.6), gain: (1.2, 2.2));
                break;
            case HiveSound.PreSwarm:
                Synth.Scale(hive, Synth.Uniform(random, 1.8, 3.0));
                break;
        }
        if (options.Noise != OutsideNoise.None)
        {
            double[] noise = NoiseGenerator.Generate(options.Noise, random, n);
            AudioMix.AddAtSnr(hive, noise, options.SnrDb);
        }
        return new BeeClip(options, Pcm16.FromDouble(hive));
    }

    /// <summary>The calm colony: fundamental 200–300 Hz, 4–6 detuned voices, AM at 0.2–1 Hz.</summary>
    private static double[] Hum(Random r, int n)
    {
        var hum = new double[n];
        double f0 = Synth.Uniform(r, 200, 300);
        AddColony(hum, r, f0, voices: r.Next(4, 7), detune: 0.02, rolloff: 0.45);
        AddBuzz(hum, r, 0.08);
        Modulate(hum, r, Synth.Uniform(r, 0.2, 1.0), Synth.Uniform(r, 0.15, 0.35));
        return hum;
    }

    /// <summary>Agitation: a higher, broader hum (more voices, wider detune, flatter harmonics), more buzz, faster AM.</summary>
    private static double[] Agitated(Random r, int n)
    {
        var hum = new double[n];
        double f0 = Synth.Uniform(r, 200, 300) * Synth.Uniform(r, 1.05, 1.15);
        AddColony(hum, r, f0, voices: r.Next(8, 12), detune: 0.07, rolloff: 0.6);
        AddBuzz(hum, r, 0.3);
        Modulate(hum, r, Synth.Uniform(r, 1.5, 4.0), Synth.Uniform(r, 0.2, 0.4));
        return hum;
    }

    private static void AddColony(double[] into, Random r, double f0, int voices, double detune, double rolloff)
    {
        for (int v = 0; v < voices; v++)
        {
            double f = f0 * (1 + Synth.Uniform(r, -detune, detune));
            double[] drift = Synth.Wander(r, into.Length, Synth.Uniform(r, 0.5, 2));
            Synth.AddHarmonics(into, r, i => f * (1 + 0.004 * drift[i]), harmonics: 5, rolloff, _ => 1, 1.0 / voices);
        }
    }

    private static void AddBuzz(double[] into, Random r, double relative)
    {
        double[] buzz = Synth.LowPassNoise(r, into.Length, 1500);
        Synth.Scale(buzz, relative * Synth.Rms(into) / Math.Max(Synth.Rms(buzz), 1e-12));
        for (int i = 0; i < into.Length; i++) into[i] += buzz[i];
    }

    private static void Modulate(double[] x, Random r, double rateHz, double depth)
    {
        double phase = r.NextDouble() * 2 * Math.PI;
        for (int i = 0; i < x.Length; i++) x[i] *= 1 + depth * Math.Sin(2 * Math.PI * rateHz * i / Synth.Fs + phase);
    }

    /// <summary>Queen calls: pulses of a harmonic tone gliding up ~3 % within each pulse.</summary>
    private static void AddCalls(double[] into, Random r, double level, double frequency, (double Lo, double Hi) periodS,
        (double Lo, double Hi) dutyCycle, (double Lo, double Hi) gain)
    {
        var starts = new List<(int Start, int Length)>();
        for (int t = (int)(Synth.Uniform(r, 0, 0.3) * Synth.Fs); t < into.Length;)
        {
            int period = (int)(Synth.Uniform(r, periodS.Lo, periodS.Hi) * Synth.Fs);
            starts.Add((t, (int)(period * Synth.Uniform(r, dutyCycle.Lo, dutyCycle.Hi))));
            t += period;
        }
        int edge = (int)(0.015 * Synth.Fs);
        double Envelope(int i)
        {
            foreach (var (start, length) in starts)
                if (i >= start && i < start + length) return Synth.Gate(i, start, length, edge);
            return 0;
        }
        double Frequency(int i)
        {
            foreach (var (start, length) in starts)
                if (i >= start && i < start + length) return frequency * (0.97 + 0.03 * (i - start) / length);
            return frequency;
        }
        Synth.AddHarmonics(into, r, Frequency, harmonics: 4, rolloff: 0.5, Envelope, level * Synth.Uniform(r, gain.Lo, gain.Hi));
    }
}
