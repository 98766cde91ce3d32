using Hil.Scorer.Anomaly;
using Hil.Simulators.Sensors;

namespace Hil.Scorer.Tests.Anomaly;

public sealed class IsolationForestTests
{
    [Test]
    public void C_of_n_is_the_average_unsuccessful_search_path()
    {
        Assert.That(IsolationForest.C(1), Is.Zero);
        Assert.That(IsolationForest.C(2), Is.EqualTo(1));
        Assert.That(IsolationForest.C(256), Is.EqualTo(2 * (Math.Log(255) + 0.5772156649015329) - 2.0 * 255 / 256).Within(1e-12));
    }

    [Test]
    public void An_outlier_scores_near_one_and_the_crowd_below_a_half()
    {
        var random = new Random(1);
        var data = Enumerable.Range(0, 1000).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToList();
        IsolationForest forest = IsolationForest.Train(data, seed: 2);
        Assert.That(forest.Score([0.5, 0.5]), Is.LessThan(0.5));
        Assert.That(forest.Score([5.0, -5.0]), Is.GreaterThan(0.6));
        Assert.That(IsolationForest.Train(data, seed: 2).Score([0.3, 0.9]), Is.EqualTo(forest.Score([0.3, 0.9])), "reproducible by seed");
    }

    [Test]
    public void Roc_auc_of_a_perfect_a_random_and_an_inverted_ranking()
    {
        bool[] labels = [false, false, true, true];
        Assert.That(RocAuc.Compute([0.1, 0.2, 0.8, 0.9], labels), Is.EqualTo(1));
        Assert.That(RocAuc.Compute([0.5, 0.5, 0.5, 0.5], labels), Is.EqualTo(0.5));
        Assert.That(RocAuc.Compute([0.9, 0.8, 0.2, 0.1], labels), Is.EqualTo(0));
    }

    [Test]
    public void A_forest_survives_its_data_form_unchanged()
    {
        var random = new Random(3);
        var data = Enumerable.Range(0, 500).Select(_ => new[] { random.NextDouble(), random.NextDouble(), random.NextDouble() }).ToList();
        IsolationForest forest = IsolationForest.Train(data, seed: 4);
        IsolationForest copy = IsolationForest.FromData(forest.ToData());
        foreach (double[] row in data.Take(50).Append([3.0, -1.0, 0.5]))
            Assert.That(copy.Score(row), Is.EqualTo(forest.Score(row)));
    }
}
