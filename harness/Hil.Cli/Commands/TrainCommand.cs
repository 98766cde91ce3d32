using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Hil.Harness.Support;
using Hil.Scorer.Edge;
using Hil.Scorer.Training;

namespace Hil.Cli.Commands;

/// <summary>
/// `hil train bee` (or plain `hil train`): simulator clips → reference DSP → MLP → held-out confusion matrix; writes the model
/// file (committed next to the scorer, platform/Hil.Scorer/Models/) and regenerates firmware/core/model_weights.h
/// with firmware/tests/model_reference.h, the C unit test's reference answers (rebuild the firmware afterwards: ./hil build).
/// `hil train anomaly`: see <see cref="AnomalyTrainCommand"/>.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        Command train = Bee("train", "Train a model: bee (the default: the bee-event network) or anomaly (the sensor-fault forest)");
        train.Subcommands.Add(Bee("bee", "Train the bee-event network on simulator clips; write the model file and firmware/core/model_weights.h"));
        train.Subcommands.Add(AnomalyTrainCommand.Create());
        return train;
    }

    private static Command Bee(string name, string description)
    {
        var clips = new Option<int>("--clips") { Description = "Labelled clips to generate (75 % training, 25 % held out)", DefaultValueFactory = _ => 1200 };
        var seconds = new Option<double>("--seconds") { Description = "Clip length", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { Description = "Seed of the data and the training (same seed, same weights)", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training clips", DefaultValueFactory = _ => 60 };
        var version = new Option<int>("--model-version") { Description = "MODEL_VERSION written into the header", DefaultValueFactory = _ => 2 };
        var modelOut = new Option<string?>("--model-out") { Description = "Model file (JSON); default platform/Hil.Scorer/Models/bee-mlp-3-v<version>.json" };
        var header = new Option<string>("--header") { Description = "Firmware weight header to regenerate", DefaultValueFactory = _ => Path.Combine(RepositoryLayout.Root, ModelHeader.RepositoryPath) };
        var reference = new Option<string>("--reference") { Description = "The C unit test's reference answers, written with the header", DefaultValueFactory = _ => Path.Combine(RepositoryLayout.Root, ModelReferenceHeader.RepositoryPath) };
        var noHeader = new Option<bool>("--no-header") { Description = "Do not touch the firmware header nor the reference answers" };
        var command = new Command(name, description)
            { clips, seconds, seed, epochs, version, modelOut, header, reference, noHeader };
        command.SetAction((parse, _) => CliErrors.GuardAsync(() =>
        {
            var data = new BeeDatasetOptions { Clips = parse.GetValue(clips), Seconds = parse.GetValue(seconds), Seed = parse.GetValue(seed) };
            var training = new MlpTrainingOptions
            {
                Seed = parse.GetValue(seed), Epochs = parse.GetValue(epochs), Version = parse.GetValue(version), Name = BeeModel.NamePrefix + "3",
            };
            var clock = Stopwatch.StartNew();
            BeeTrainingReport report = BeeTrainingRun.Run(data, training);
            Console.WriteLine($"trained {report.Model.Name} v{report.Model.Version} on {report.TrainingClips} clips in {clock.Elapsed.TotalSeconds:0.0} s");
            Console.WriteLine(report.HeldOut);

            string modelPath = parse.GetValue(modelOut) ?? Path.Combine(RepositoryLayout.Root, "platform", "Hil.Scorer", "Models", $"{report.Model.Name}-v{report.Model.Version}.json");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(modelPath))!);
            File.WriteAllText(modelPath, JsonSerializer.Serialize(new
            {
                model = report.Model,
                data,
                training,
                held_out = new { report.HeldOut.TrueNormal, report.HeldOut.FalseEvent, report.HeldOut.FalseNormal, report.HeldOut.TrueEvent, report.HeldOut.Accuracy },
            }, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"wrote {modelPath}");
            if (!parse.GetValue(noHeader))
            {
                string path = parse.GetValue(header)!;
                string provenance = $"{data.Clips} simulator clips of {data.Seconds} s, seed {data.Seed}, {training.Epochs} epochs;\n" +
                                    $" * held-out accuracy {report.HeldOut.Accuracy:P2} ({report.HeldOut.Total} clips).";
                File.WriteAllText(path, ModelHeader.Write(report.Model, provenance));
                string referencePath = parse.GetValue(reference)!;
                File.WriteAllText(referencePath, ModelReferenceHeader.Write(report.Model, ModelReferenceHeader.Cases(report.Model, report.HeldOutExamples)));
                Console.WriteLine($"wrote {path} and {referencePath} (rebuild the firmware: ./hil build)");
            }
            return Task.FromResult(report.HeldOut.Accuracy >= 0.95 ? 0 : 1);
        }));
        return command;
    }
}
