using System.Diagnostics;
using Hil.Harness.Support;

namespace Hil.Harness.Tests.Support;

public sealed class CpuLoadTests
{
    [Test]
    public void The_load_runs_busy_processes_and_leaves_none_behind()
    {
        int[] pids;
        using (CpuLoad load = CpuLoad.Start(2))
        {
            Assert.That(load.Workers, Is.EqualTo(2));
            Assert.That(load.Running, Is.True);
            pids = ChildShells();
            Assert.That(pids, Has.Length.GreaterThanOrEqualTo(2));
            // Busy: each worker has used CPU time within a bounded wait (a condition, not a guess at how long it takes).
            var clock = Stopwatch.StartNew();
            while (pids.Any(p => CpuTicks(p) == 0) && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Yield();
            Assert.That(pids.All(p => CpuTicks(p) > 0), Is.True, "the workers burn CPU");
        }
        Assert.That(pids.Where(p => Directory.Exists($"/proc/{p}")), Is.Empty, "no worker outlives the load");
    }

    private static int[] ChildShells()
    {
        int self = Environment.ProcessId;
        return Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(d => int.TryParse(d, out _)).Select(int.Parse!)
            .Where(pid => Stat(pid) is { } f && f[1] == self.ToString() && File.ReadAllText($"/proc/{pid}/cmdline").Contains("while :", StringComparison.Ordinal))
            .ToArray();
    }

    private static string[]? Stat(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException) { return null; }
    }

    private static long CpuTicks(int pid) => Stat(pid) is { } f ? long.Parse(f[11]) + long.Parse(f[12]) : -1;
}
