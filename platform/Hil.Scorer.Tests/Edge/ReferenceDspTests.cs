using Hil.Scorer.Edge;

namespace Hil.Scorer.Tests.Edge;

public sealed class ReferenceDspTests
{
    private static short[] Sine(double hz, double amplitude, int samples) =>
        Enumerable.Range(0, samples).Select(i => (short)Math.Round(amplitude * 32767 * Math.Sin(2 * Math.PI * hz * i / 16000))).ToArray();

    [Test]
    public void A_sine_on_a_bin_reads_its_amplitude_there_and_little_elsewhere()
    {
        // bin 8 of 512 at 16 kHz is 250 Hz; the Hann window spreads a sine over bins 7..9
        AudioFeatures f = new ReferenceDsp().Capture(Sine(250, 0.5, 16000));
        Assert.That(f.Frames, Is.EqualTo(31));
        Assert.That(f.Samples, Is.EqualTo(16000));
        Assert.That(f.Bins[8 - DspTables.FirstBin], Is.EqualTo(0.5).Within(0.03));
        Assert.That(f.Bins[15 - DspTables.FirstBin], Is.LessThan(0.01));
        Assert.That(f.Rms, Is.EqualTo(0.5 / Math.Sqrt(2)).Within(0.02));
        Assert.That(f.SpikeRatio, Is.EqualTo(1f), "no history yet");
    }

    [Test]
    public void The_spike_ratio_compares_with_the_mean_of_up_to_eight_earlier_captures()
    {
        var dsp = new ReferenceDsp();
        AudioFeatures quiet = dsp.Capture(Sine(250, 0.1, 4096));
        AudioFeatures loud = dsp.Capture(Sine(250, 0.3, 4096));
        Assert.That(loud.SpikeRatio, Is.EqualTo(loud.Rms / quiet.Rms));
        Assert.That(loud.SpikeRatio, Is.EqualTo(3).Within(0.1));
        dsp.Reset();
        Assert.That(dsp.Capture(Sine(250, 0.3, 4096)).SpikeRatio, Is.EqualTo(1f));
    }

    [Test]
    public void The_spike_ratio_is_trusted_from_the_third_earlier_capture_on_and_again_only_then_after_a_reset()
    {
        var dsp = new ReferenceDsp();
        for (int round = 0; round < 2; round++)
        {
            var trusted = Enumerable.Range(0, 10).Select(_ => dsp.Capture(Sine(250, 0.1, 1024))).Select(f => (f.History, f.SpikeTrusted)).ToArray();
            Assert.That(trusted, Is.EqualTo(new[] { (0, false), (1, false), (2, false), (3, true), (4, true), (5, true), (6, true), (7, true), (8, true), (8, true) }));
            dsp.Reset();
        }
    }

    [Test]
    public void The_fft_of_an_impulse_is_flat()
    {
        var re = new float[512];
        var im = new float[512];
        re[0] = 1;
        ReferenceDsp.Fft(re, im);
        Assert.That(re, Is.All.EqualTo(1f));
        Assert.That(im, Is.All.EqualTo(0f));
    }

    [Test]
    public void Expf_agrees_with_exp_to_float_precision()
    {
        foreach (float x in new[] { -20f, -3.5f, -1f, 0f, 0.5f, 2f, 10f })
            Assert.That(BeeNetwork.Expf(x), Is.EqualTo(Math.Exp(x)).Within(1e-5).Percent, $"exp({x})");
        Assert.That(BeeNetwork.Expf(-100f), Is.EqualTo(0f));
    }
}
