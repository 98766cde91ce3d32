namespace Hil.Cli.Benchmarks;

/// <summary>The machine's load averages: on a shared machine they are part of a benchmark figure's meaning.</summary>
internal static class MachineLoad
{
    /// <summary>The 1, 5 and 15 minute load averages, as /proc/loadavg gives them ("unknown" elsewhere).</summary>
    public static string Average() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
