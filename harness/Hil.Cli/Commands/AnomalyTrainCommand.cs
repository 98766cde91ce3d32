using System.CommandLine;
using System.Diagnostics;
using Hil.Harness.Support;
using Hil.Scorer.Anomaly;
using Hil.Simulators.Sensors;

namespace Hil.Cli.Commands;

/// <summary>
/// `hil train anomaly`: simulated readings with injected faults → Isolation Forest → ROC AUC on held-out seeds;
/// writes the model file (format version, model version, provenance) that `hil platform up --anomaly-model` loads.
/// </summary>
internal static class AnomalyTrainCommand
{
    public static Command Create()
    {
        var hours = new Option<double>("--hours") { Description = "Simulated hours to train on", DefaultValueFactory = _ => 14 * 24 };
        var seed = new Option<int>("--seed") { Description = "Seed of the training data and the forest (evaluation uses the next seeds)", DefaultValueFactory = _ => 1 };
        var interval = new Option<double>("--interval-s") { Description = "Seconds between readings", DefaultValueFactory = _ => 300 };
        var faults = new Option<double>("--faults-per-day") { Description = "Injected faults per simulated day (unlabelled in training)", DefaultValueFactory = _ => 10.0 / 7 };
        var evalSeeds = new Option<int>("--eval-seeds") { Description = "Held-out seeds to evaluate on (14 days each)", DefaultValueFactory = _ => 5 };
        var channels = new Option<string>("--channels") { Description = "all (the simulator's five) or telemetry (temperature, humidity: what the backend scores)", DefaultValueFactory = _ => "all" };
        channels.AcceptOnlyFromAmong("all", "telemetry");
        var version = new Option<string>("--model-version") { Description = "Version recorded in the model file", DefaultValueFactory = _ => "anomaly-forest-1" };
        var output = new Option<string?>("--out", "-o") { Description = "Model file; default build/models/anomaly-forest.json" };
        var command = new Command("anomaly", "Train the sensor-fault Isolation Forest on simulated readings; print the held-out ROC AUC; write the model file")
            { hours, seed, interval, faults, evalSeeds, channels, version, output };
        command.SetAction((parse, _) => CliErrors.GuardAsync(() =>
        {
            var options = new AnomalyTrainingOptions
            {
                Seed = parse.GetValue(seed), Hours = parse.GetValue(hours), Interval = TimeSpan.FromSeconds(parse.GetValue(interval)),
                FaultsPerDay = parse.GetValue(faults), EvaluationSeeds = parse.GetValue(evalSeeds), Version = parse.GetValue(version)!,
                Channels = parse.GetValue(channels) == "telemetry" ? AnomalyChannel.TelemetrySensors : Enum.GetValues<SensorChannel>(),
            };
            var clock = Stopwatch.StartNew();
            var (model, heldOut) = AnomalyTraining.Run(options, TimeProvider.System);
            Console.WriteLine($"trained {model.Version} on {model.Provenance.Rows} readings ({string.Join(", ", model.Channels.Select(c => c.Name))}) in {clock.Elapsed.TotalSeconds:0.0} s");
            Console.WriteLine(heldOut);
            string path = parse.GetValue(output) ?? Path.Combine(RepositoryLayout.BuildDirectory, "models", "anomaly-forest.json");
            model.Save(path);
            Console.WriteLine($"wrote {path}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
