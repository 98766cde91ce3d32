using Hil.Scorer.Control;
using Hil.Simulators.Audio;
using Hil.Scorer.Edge;

namespace Hil.Scorer.Tests.Control;

public sealed class VentilationControllerTests
{
    [Test]
    public void A_calm_hive_at_brood_temperature_stays_closed_with_full_confidence()
    {
        var d = VentilationController.Decide(34.5, 55, 0.01);
        Assert.That(d, Is.EqualTo(new VentilationDecision(0, 1, "conditions calm")));
    }

    [Test]
    public void Heat_opens_the_flap_progressively_up_to_fully_open()
    {
        int[] flaps = new[] { 35, 36, 37, 38, 39, 41 }.Select(t => VentilationController.Decide(t, 55, 0.01).FlapPercent).ToArray();
        Assert.That(flaps, Is.Ordered.Ascending);
        Assert.That(flaps[0], Is.Zero);
        Assert.That(flaps[^1], Is.EqualTo(100));
    }

    [Test]
    public void Damp_air_opens_the_flap_but_cold_holds_it_back_with_less_confidence()
    {
        var warmDamp = VentilationController.Decide(34, 90, 0.01);
        var coldDamp = VentilationController.Decide(27, 90, 0.01);
        Assert.That(warmDamp.FlapPercent, Is.EqualTo(80));
        Assert.That(warmDamp.Reason, Is.EqualTo("damp"));
        Assert.That(coldDamp.FlapPercent, Is.LessThan(warmDamp.FlapPercent));
        Assert.That(coldDamp.Confidence, Is.LessThan(warmDamp.Confidence));
        Assert.That(VentilationController.Decide(20, 95, 0.2).FlapPercent, Is.Zero, "chilled brood is the worse harm");
    }

    [Test]
    public void An_agitated_colony_from_the_simulator_is_louder_and_gets_more_air_than_a_calm_one()
    {
        var dsp = new ReferenceDsp();
        double Rms(HiveSound s) => dsp.Capture(BeeAudioGenerator.Generate(new BeeClipOptions { Sound = s, Seconds = 1, Seed = 4, Level = 0.05 }).Samples).Rms;
        var calm = VentilationController.Decide(34.5, 60, Rms(HiveSound.Normal));
        var agitated = VentilationController.Decide(34.5, 60, Rms(HiveSound.PreSwarm));
        Assert.That(agitated.FlapPercent, Is.GreaterThan(calm.FlapPercent));
        Assert.That(agitated.Reason, Is.EqualTo("loud colony"));
    }

    [TestCase(double.NaN, 50, 0.01, "temperature")]
    [TestCase(34, 120, 0.01, "humidity 120 % is implausible")]
    [TestCase(34, 50, -1, "sound RMS -1 is outside 0..1")]
    public void Implausible_inputs_give_zero_confidence_and_say_why(double t, double h, double rms, string reason)
    {
        var d = VentilationController.Decide(t, h, rms);
        Assert.That(d.Confidence, Is.Zero);
        Assert.That(d.FlapPercent, Is.Zero);
        Assert.That(d.Reason, Does.Contain(reason));
    }
}
