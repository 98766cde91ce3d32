using System.Numerics;
using Hil.Simulators.Audio;
using MathNet.Numerics.IntegralTransforms;

namespace Hil.Simulators.Tests.Audio;

public sealed class BeeAudioGeneratorTests
{
    private static BeeClip Clip(HiveSound sound, int seed = 3, OutsideNoise noise = OutsideNoise.None, double seconds = 2) =>
        BeeAudioGenerator.Generate(new BeeClipOptions { Sound = sound, Seed = seed, Noise = noise, Seconds = seconds });

    [Test]
    public void The_same_seed_gives_the_same_clip()
    {
        short[] first = Clip(HiveSound.Piping).Samples, again = Clip(HiveSound.Piping).Samples;
        Assert.That(again, Is.EqualTo(first));
        Assert.That(Clip(HiveSound.Piping, seed: 4).Samples, Is.Not.EqualTo(first));
        Assert.That(Clip(HiveSound.Normal).Samples, Has.Length.EqualTo(32000));
    }

    [Test]
    public void A_normal_hive_peaks_between_200_and_300_Hz_and_is_modulated_slowly()
    {
        for (int seed = 1; seed <= 5; seed++)
        {
            double[] spectrum = Spectrum(Clip(HiveSound.Normal, seed).Samples);
            Assert.That(PeakHz(spectrum, 100, 2000), Is.InRange(195, 305), $"seed {seed}");
        }
    }

    [Test]
    public void Piping_adds_a_strong_tone_between_400_and_500_Hz_in_pulses_about_a_second_apart()
    {
        for (int seed = 1; seed <= 5; seed++)
        {
            BeeClip clip = Clip(HiveSound.Piping, seed, seconds: 4);
            Assert.That(PeakHz(Spectrum(clip.Samples), 380, 520), Is.InRange(385, 505));
            double[] spectrum = Spectrum(clip.Samples);
            Assert.That(Band(spectrum, 380, 520), Is.GreaterThan(Band(Spectrum(Clip(HiveSound.Normal, seed, seconds: 4).Samples), 380, 520) * 2));
            Assert.That(Pulses(Envelope(clip.Samples, 1600)), Is.InRange(3, 5), "about one pulse per second");
        }
        Assert.That(Clip(HiveSound.Piping).IsEvent, Is.True);
        Assert.That(Clip(HiveSound.Normal, noise: OutsideNoise.Rain).Label, Is.EqualTo("normal+rain"));
    }

    [Test]
    public void Quacking_is_lower_than_piping_and_agitation_is_louder_and_broader()
    {
        Assert.That(PeakHz(Spectrum(Clip(HiveSound.Quacking).Samples), 320, 520), Is.LessThan(400));
        short[] calm = Clip(HiveSound.Normal).Samples, agitated = Clip(HiveSound.PreSwarm).Samples;
        Assert.That(Rms(agitated), Is.GreaterThan(1.7 * Rms(calm)));
        double[] a = Spectrum(agitated), c = Spectrum(calm);
        Assert.That(Band(a, 1000, 4000) / Band(a, 100, 1000), Is.GreaterThan(Band(c, 1000, 4000) / Band(c, 100, 1000)));
    }

    [TestCase(OutsideNoise.Rain)]
    [TestCase(OutsideNoise.Wind)]
    [TestCase(OutsideNoise.Voices)]
    public void Outside_noise_is_mixed_in_at_the_requested_snr(OutsideNoise noise)
    {
        short[] clean = Clip(HiveSound.Normal).Samples;
        var options = new BeeClipOptions { Sound = HiveSound.Normal, Seed = 3, Seconds = 2, Noise = noise, SnrDb = 6 };
        short[] mixed = BeeAudioGenerator.Generate(options).Samples;
        double[] difference = mixed.Zip(clean, (m, c) => (m - c) / 32768.0).ToArray();
        double snr = AudioMix.SnrDb(clean.Select(s => s / 32768.0).ToArray(), difference);
        Assert.That(snr, Is.EqualTo(6).Within(0.1));
    }

    [Test]
    public void Bad_options_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => BeeAudioGenerator.Generate(new BeeClipOptions { Seconds = 0 }));
        Assert.That(e!.Message, Does.Contain("clip length"));
    }

    private static double Rms(short[] x) => Math.Sqrt(x.Average(v => (double)v * v)) / 32768;

    private static double[] Spectrum(short[] samples)
    {
        var data = samples.Select(s => new Complex(s / 32768.0, 0)).ToArray();
        Fourier.Forward(data, FourierOptions.Matlab);
        return data.Take(data.Length / 2).Select(c => c.Magnitude).ToArray();
    }

    private static double Hz(double[] spectrum, int bin) => bin * 8000.0 / spectrum.Length;

    /// <summary>The centre of the strongest 20 Hz band (a colony's voices spread over a few Hz).</summary>
    private static double PeakHz(double[] spectrum, double lo, double hi)
    {
        double best = -1, bestHz = 0;
        for (double f = lo; f + 20 <= hi; f += 2)
        {
            double energy = Band(spectrum, f, f + 20);
            if (energy > best) (best, bestHz) = (energy, f + 10);
        }
        return bestHz;
    }

    private static double Band(double[] spectrum, double lo, double hi) =>
        Enumerable.Range(0, spectrum.Length).Where(b => Hz(spectrum, b) >= lo && Hz(spectrum, b) < hi).Sum(b => spectrum[b] * spectrum[b]);

    private static double[] Envelope(short[] samples, int window) =>
        Enumerable.Range(0, samples.Length / window).Select(w => Rms(samples[(w * window)..((w + 1) * window)])).ToArray();

    /// <summary>Rises through a threshold, with hysteresis so that the hum's own modulation does not count.</summary>
    private static int Pulses(double[] envelope)
    {
        double lo = envelope.Order().ElementAt(envelope.Length / 10), hi = envelope.Order().ElementAt(envelope.Length * 9 / 10);
        double up = lo + 0.6 * (hi - lo), down = lo + 0.3 * (hi - lo);
        int pulses = 0;
        bool on = envelope[0] > up;
        foreach (double v in envelope)
        {
            if (!on && v > up) { on = true; pulses++; }
            else if (on && v < down) on = false;
        }
        return pulses + (envelope[0] > up ? 1 : 0);
    }
}
