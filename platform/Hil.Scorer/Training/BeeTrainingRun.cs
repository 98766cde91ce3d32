using Hil.Scorer.Edge;

namespace Hil.Scorer.Training;

/// <summary>The outcome of `hil train`: the model, and how it did on clips it never saw.</summary>
public sealed record BeeTrainingReport(BeeModel Model, ConfusionMatrix HeldOut, int TrainingClips, IReadOnlyList<BeeExample> HeldOutExamples);

/// <summary>
/// Data set → split (75 % training, 25 % held out) → training → evaluation through the
/// firmware-identical float network (<see cref="BeeNetwork"/>), at the firmware's threshold 0.5.
/// </summary>
public static class BeeTrainingRun
{
    public static BeeTrainingReport Run(BeeDatasetOptions data, MlpTrainingOptions training, float threshold = 0.5f)
    {
        IReadOnlyList<BeeExample> examples = BeeDataset.Generate(data);
        int split = examples.Count * 3 / 4;
        var train = examples.Take(split).ToList();
        var heldOut = examples.Skip(split).ToList();
        BeeModel model = MlpTrainer.Train(train, training);
        return new BeeTrainingReport(model, Evaluate(model, heldOut, threshold), train.Count, heldOut);
    }

    public static ConfusionMatrix Evaluate(BeeModel model, IEnumerable<BeeExample> examples, float threshold = 0.5f)
    {
        var network = new BeeNetwork(model);
        return ConfusionMatrix.Of(examples.Select(e => (e.IsEvent, network.Run(e.Inputs).PEvent >= threshold)));
    }
}
