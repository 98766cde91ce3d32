using System.CommandLine;
using Hil.Harness.Support;

namespace Hil.Cli.Commands;

/// <summary>`hil stress`: a busy machine on demand, so "under load" is a command anyone can run beside a suite.</summary>
internal static class StressCommand
{
    public static Command Create()
    {
        var cpus = new Option<int>("--cpus") { Description = "CPU-bound worker processes (default: 2 per core)", DefaultValueFactory = _ => 2 * Environment.ProcessorCount };
        var seconds = new Option<int>("--seconds") { Description = "How long (default 60; 0 until Ctrl+C)", DefaultValueFactory = _ => 60 };
        var command = new Command("stress", "Load the machine with CPU-bound processes (e.g. beside `hil run`, to check verdicts do not depend on load)")
        {
            cpus, seconds,
        };
        command.SetAction((parse, ct) => CliErrors.GuardAsync(async () =>
        {
            int workers = parse.GetValue(cpus), duration = parse.GetValue(seconds);
            if (workers < 1) throw new ArgumentException($"--cpus must be at least 1 (got {workers})");
            if (duration < 0) throw new ArgumentException($"--seconds must not be negative (got {duration})");
            using CpuLoad load = CpuLoad.Start(workers);
            Console.WriteLine($"hil stress: {workers} busy process(es) on {Environment.ProcessorCount} core(s) " +
                              (duration == 0 ? "until Ctrl+C" : $"for {duration} s"));
            try
            {
                if (duration == 0) await Task.Delay(Timeout.Infinite, ct);
                else await Task.Delay(TimeSpan.FromSeconds(duration), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C: stop the workers (Dispose) and end normally.
            }
            Console.WriteLine($"hil stress: done; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            return 0;
        }));
        return command;
    }
}
