using Hil.Scorer.Edge;
using Hil.Scorer.Training;

namespace Hil.Scorer.Tests.Training;

/// <summary>Training on small data (the machine is shared); `hil train` runs the full-size pipeline.</summary>
public sealed class BeeTrainingTests
{
    private static readonly BeeDatasetOptions SmallData = new() { Clips = 400, Seconds = 1, Seed = 11 };
    private static readonly MlpTrainingOptions Quick = new() { Seed = 3, Epochs = 40 };

    [Test]
    public void A_model_trained_on_simulator_clips_detects_events_on_held_out_clips()
    {
        BeeTrainingReport report = BeeTrainingRun.Run(SmallData, Quick);
        TestContext.Out.WriteLine(report.HeldOut);
        Assert.That(report.HeldOut.Total, Is.EqualTo(100));
        Assert.That(report.HeldOut.Accuracy, Is.GreaterThanOrEqualTo(0.95), report.HeldOut.ToString());
    }

    [Test]
    public void The_same_seed_gives_the_same_weights_and_another_seed_does_not()
    {
        var data = BeeDataset.Generate(SmallData with { Clips = 60 });
        var options = Quick with { Epochs = 3 };
        BeeModel a = MlpTrainer.Train(data, options), b = MlpTrainer.Train(data, options), c = MlpTrainer.Train(data, options with { Seed = 4 });
        Assert.That(ModelHeader.Write(b, "x"), Is.EqualTo(ModelHeader.Write(a, "x")));
        Assert.That(ModelHeader.Write(c, "x"), Is.Not.EqualTo(ModelHeader.Write(a, "x")));
        Assert.That(BeeDataset.Generate(SmallData with { Clips = 60 }).Select(e => e.Inputs), Is.EqualTo(data.Select(e => e.Inputs)));
    }

    [Test]
    public void The_confusion_matrix_counts_each_outcome()
    {
        var m = ConfusionMatrix.Of([(false, false), (false, true), (true, true), (true, true), (true, false)]);
        Assert.That(m, Is.EqualTo(new ConfusionMatrix(1, 1, 1, 2)));
        Assert.That(m.Accuracy, Is.EqualTo(0.6));
        Assert.That(m.ToString(), Does.Contain("| event | 1 | 2 |"));
    }

    [Test]
    public void Bad_training_options_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => BeeDataset.Generate(new BeeDatasetOptions { Clips = 3 }));
        Assert.That(e!.Message, Does.Contain("at least 20 clips"));
    }
}
