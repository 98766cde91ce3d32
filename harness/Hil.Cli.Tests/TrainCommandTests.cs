using Hil.Scorer.Anomaly;

namespace Hil.Cli.Tests;

public sealed class TrainCommandTests
{
    [Test]
    public async Task Train_anomaly_writes_a_model_the_backend_can_load_and_prints_the_held_out_auc()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hil-anomaly-{Guid.NewGuid():N}.json");
        try
        {
            CliProcess.Result result = await CliProcess.RunAsync("train", "anomaly", "--hours", "72", "--seed", "4", "--eval-seeds", "1",
                "--channels", "telemetry", "--model-version", "anomaly-forest-test", "--out", path);
            Assert.That(result.ExitCode, Is.Zero, result.StandardError);
            Assert.That(result.StandardOutput, Does.Contain("held-out ROC AUC").And.Contain("per seed: 5:"));
            AnomalyModel model = AnomalyModel.Load(path);
            Assert.That(model.Version, Is.EqualTo("anomaly-forest-test"));
            Assert.That((model.Provenance.Source, model.Provenance.Seed, model.Provenance.Hours), Is.EqualTo(("simulator", (int?)4, (double?)72)));
            Assert.That(model.Channels, Is.EqualTo(AnomalyChannel.Telemetry));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task Bad_training_options_are_one_clear_error()
    {
        CliProcess.Result result = await CliProcess.RunAsync("train", "anomaly", "--hours", "0", "--out", "/tmp/never-written.json");
        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StandardError, Does.Contain("hours must be in (0, 87600] (got 0)"));
        Assert.That(File.Exists("/tmp/never-written.json"), Is.False);
    }
}
