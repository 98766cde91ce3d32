using Hil.Scorer.Anomaly;
using Hil.Simulators.Sensors;

namespace Hil.Scorer.Tests.Anomaly;

public sealed class AnomalyDetectionTests
{
    [TestCase(1)]
    [TestCase(11)]
    [TestCase(21)]
    [TestCase(31)]
    [TestCase(41)]
    [TestCase(51)]
    [TestCase(61)]
    [TestCase(71)]
    public void Held_out_sensor_faults_rank_above_clean_readings(int seed)
    {
        // Trained on 14 simulated days of one seed with faults in them (labels unused), scored on the next five seeds'
        // 14 days each, which it never saw. Measured (2026-11-22, README "Anomaly detection"): overall 0.980, 0.965, 0.972,
        // 0.968 for training seeds 1, 11, 21, 31 (the seeds the features were chosen on) and 0.986, 0.971, 0.951, 0.961
        // for 41, 51, 61, 71; without drift 0.980 to 0.993; drift 0.846 to 0.953, every other kind at least 0.962. The
        // floors sit just under the weakest seed's figures, to catch a regression.
        var (model, heldOut) = AnomalyTraining.Run(new AnomalyTrainingOptions { Seed = seed }, TimeProvider.System);
        TestContext.Out.WriteLine(heldOut);
        Assert.That(model.Provenance.Rows, Is.GreaterThan(4000));
        Assert.That(heldOut.PerKind.Select(k => k.Kind), Is.EquivalentTo(Enum.GetValues<SensorFaultKind>()), "every fault kind is evaluated");
        Assert.That(heldOut.Auc, Is.GreaterThanOrEqualTo(0.95), "the goal of issue 6");
        Assert.That(heldOut.AucWithoutDrift, Is.GreaterThanOrEqualTo(0.975));
        foreach (var (kind, auc, _) in heldOut.PerKind)
            Assert.That(auc, Is.GreaterThanOrEqualTo(kind == SensorFaultKind.Drift ? 0.84 : 0.96), $"{kind}");
    }

    [Test]
    public void Labels_count_what_a_fault_visibly_changed()
    {
        var time = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var truth = new SensorReading(time, 20, 60, 1013, 50_000, 150, []);
        Assert.That(AnomalyEvaluation.Label(truth, truth), Is.False);
        Assert.That(AnomalyEvaluation.Label(truth with { HumidityPct = null, Faults = [SensorFaultKind.Dropout] }, truth), Is.True);
        Assert.That(AnomalyEvaluation.Label(truth with { TemperatureC = 22.5, Faults = [SensorFaultKind.Drift] }, truth), Is.True);
        Assert.That(AnomalyEvaluation.Label(truth with { TemperatureC = 20.3, Faults = [SensorFaultKind.Drift] }, truth), Is.Null, "a drift that has not got anywhere yet");
    }

    [Test]
    public void A_model_file_round_trips_and_refuses_other_files()
    {
        SimulatedSensorData data = AnomalyTraining.Simulate(seed: 9, hours: 48, TimeSpan.FromMinutes(5), faultsPerDay: 2);
        var provenance = new AnomalyProvenance("simulator", DateTimeOffset.UnixEpoch, 0, Seed: 9, Hours: 48);
        AnomalyModel model = AnomalyModel.Train("anomaly-forest-test", AnomalyChannel.Environment, data.Features, seed: 1, provenance);
        string path = Path.Combine(Path.GetTempPath(), $"hil-anomaly-{Guid.NewGuid():N}.json");
        try
        {
            model.Save(path);
            AnomalyModel loaded = AnomalyModel.Load(path);
            Assert.That(loaded.Version, Is.EqualTo("anomaly-forest-test"));
            Assert.That(loaded.Provenance, Is.EqualTo(model.Provenance with { Rows = data.Features.Count }));
            Assert.That(loaded.Channels.Select(c => c.Name), Is.EqualTo(new[] { "temperature", "humidity", "pressure", "light", "gas" }));
            foreach (double[] row in data.Features.Take(100)) Assert.That(loaded.Score(row), Is.EqualTo(model.Score(row)));
            Assert.That(AnomalyModel.Train("anomaly-forest-test", AnomalyChannel.Environment, data.Features, seed: 1, provenance).ToJson(), Is.EqualTo(model.ToJson()),
                "same data and seed, same model file");

            File.WriteAllText(path, model.ToJson().Replace($"\"format_version\":{AnomalyModel.FormatVersion}", "\"format_version\":99"));
            var newer = Assert.Throws<FormatException>(() => AnomalyModel.Load(path))!;
            Assert.That(newer.Message, Does.Contain("format version 99"));
            File.WriteAllText(path, "{\"format\":\"bee-mlp\"}");
            Assert.That(Assert.Throws<FormatException>(() => AnomalyModel.Load(path))!.Message, Does.Contain("not an anomaly model"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Daylight_at_night_lies_outside_the_diurnal_profile()
    {
        // Trained on a week of clean readings: the light band at 2 am is a few lux wide, at noon tens of thousands.
        SimulatedSensorData week = AnomalyTraining.Simulate(seed: 5, hours: 7 * 24, TimeSpan.FromMinutes(5), faultsPerDay: 0);
        DiurnalProfile profile = DiurnalProfile.Fit(week.Features, AnomalyChannel.Environment, EnvironmentFeatures.ValueSlot);
        int light = (int)SensorChannel.Light, valueSlot = EnvironmentFeatures.PerChannel * light + EnvironmentFeatures.ValueSlot;
        double[] night = week.Features.First(r => r[EnvironmentFeatures.HourIndex(5)] is >= 2 and < 3);
        Assert.That(profile.High[light][2] - profile.Low[light][2], Is.LessThan(1_000));
        Assert.That(profile.High[light][12] - profile.Low[light][12], Is.GreaterThan(10_000));
        Assert.That(profile.Excess(night), Is.LessThan(0.5), "a dark night is inside its band, or barely outside");
        double[] lit = (double[])night.Clone();
        lit[valueSlot] = 5_000; // a quarter of a typical light fault
        Assert.That(profile.Excess(lit), Is.GreaterThan(1), "5,000 lux at 2 am is many band widths above the night's");
        double[] noon = week.Features.First(r => r[EnvironmentFeatures.HourIndex(5)] is >= 12 and < 13);
        double[] brighter = (double[])noon.Clone();
        brighter[valueSlot] = Math.Clamp(noon[valueSlot] + 5_000, profile.Low[light][12], profile.High[light][12]);
        Assert.That(profile.Excess(brighter), Is.LessThan(profile.Excess(lit)));

        var bad = Assert.Throws<FormatException>(() => DiurnalProfile.From(profile.Slot, profile.Low, [.. profile.High.Take(4)], AnomalyChannel.Environment))!;
        Assert.That(bad.Message, Does.Contain("lows and highs per channel"));
        double[][] inverted = profile.High.Select(h => h.ToArray()).ToArray();
        inverted[0][3] = profile.Low[0][3] - 1;
        Assert.That(Assert.Throws<FormatException>(() => DiurnalProfile.From(profile.Slot, profile.Low, inverted, AnomalyChannel.Environment))!.Message, Does.Contain("hour 3"));
        Assert.That(Assert.Throws<FormatException>(() => DiurnalProfile.From(EnvironmentFeatures.LevelSlot, profile.Low, profile.High, AnomalyChannel.Environment))!.Message,
            Does.Contain("only"));
    }

    [Test]
    public void Features_have_one_name_each()
    {
        Assert.That(EnvironmentFeatures.Names(AnomalyChannel.Environment), Has.Count.EqualTo(EnvironmentFeatures.Count(5)));
        Assert.That(EnvironmentFeatures.Names(AnomalyChannel.Environment), Is.Unique);
        Assert.That(EnvironmentFeatures.Compute(AnomalyTraining.Simulate(2, 30, TimeSpan.FromMinutes(5), 0).Readings)[0], Has.Length.EqualTo(EnvironmentFeatures.Count(5)));
    }
}
