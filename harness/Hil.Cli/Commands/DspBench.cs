using System.CommandLine;
using System.Diagnostics;
using Hil.Cli.Benchmarks;
using Hil.Scorer.Edge;
using Hil.Simulators.Audio;

namespace Hil.Cli.Commands;

/// <summary>`hil bench dsp`: the C# reference pipeline (DSP + network) on a 6 s clip.</summary>
internal static class DspBench
{
    private const double GoalMs = 5;

    public static Command Create()
    {
        var runs = new Option<int>("--runs", "-n") { Description = "Timed runs", DefaultValueFactory = _ => 50 };
        var qemuRuns = new Option<int>("--qemu-runs") { Description = "Clips fed to the QEMU node (0: skip the firmware)", DefaultValueFactory = _ => 3 };
        var noRecord = new Option<bool>("--no-record") { Description = "Print only; do not update docs/benchmarks.md" };
        var command = new Command("dsp",
            $"C# reference DSP + network on a 6 s clip (goal <= {GoalMs} ms); the clip through GDB into a QEMU node (goal >= 2x real time) and its instruction count")
            { runs, qemuRuns, noRecord };
        command.SetAction((parse, ct) => CliErrors.GuardAsync(() =>
            RunAsync(parse.GetValue(runs), parse.GetValue(qemuRuns), !parse.GetValue(noRecord), ct)));
        return command;
    }

    private static async Task<int> RunAsync(int runs, int qemuRuns, bool record, CancellationToken cancellationToken)
    {
        if (runs < 1) throw new ArgumentException("--runs must be at least 1");
        if (qemuRuns < 0) throw new ArgumentException("--qemu-runs must be 0 or more");
        short[] clip = BeeAudioGenerator.Generate(new BeeClipOptions { Sound = HiveSound.Piping, Seconds = 6, Seed = 3 }).Samples;
        var network = new BeeNetwork(ModelHeader.Read(Path.Combine(Hil.Harness.Support.RepositoryLayout.Root, ModelHeader.RepositoryPath)));
        var dsp = new ReferenceDsp();
        double Once()
        {
            long start = Stopwatch.GetTimestamp();
            AudioFeatures features = dsp.Capture(clip);
            network.Run(BeeNetwork.Features(31.5f, 60f, 14f, features));
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        for (int i = 0; i < 5; i++) Once(); // JIT and caches
        var samples = Enumerable.Range(0, runs).Select(_ => Once()).ToList();
        var row = new BenchmarkRow("C# reference, 6 s clip (96,000 samples, 187 frames)", runs, Statistics.Of(samples), GoalMs);
        string table = BenchmarkRow.Table([row], "median (ms)", "p90 (ms)", "min (ms)", "max (ms)");
        Console.WriteLine(table);
        bool firmwareMeetsGoal = true;
        string method = "The C# reference pipeline (platform/Hil.Scorer/Edge: DC removal, gain, filters, 187 × 512-point FFT, bins, RMS, " +
            "network), which is bit-identical to the firmware's, on a 6 s piping clip from the simulator (`./hil bench dsp`).";
        if (qemuRuns > 0)
        {
            FirmwareDspBench.Result firmware = await FirmwareDspBench.RunAsync(clip, qemuRuns, cancellationToken);
            string firmwareTable = FirmwareDspBench.Table(firmware, qemuRuns);
            Console.WriteLine();
            Console.WriteLine(firmwareTable);
            table += "\n\n" + firmwareTable;
            method += "\n\n" + FirmwareDspBench.Method;
            firmwareMeetsGoal = firmware.GdbMs.Median <= FirmwareDspBench.ClipSeconds * 1000 / 2;
        }
        if (record)
        {
            string file = BenchmarkLog.Record("Audio DSP", method, table);
            Console.Error.WriteLine($"hil: recorded in {file}");
        }
        return row.MeetsGoal && firmwareMeetsGoal ? 0 : 1;
    }
}
