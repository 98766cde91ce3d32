using System.Diagnostics;

namespace Hil.Harness.Support;

/// <summary>
/// A reproducible busy machine: <c>workers</c> CPU-bound child processes (`sh -c 'while :; do :; done'`, each its own
/// process, so the scheduler treats them as other users' work, not as threads of the harness) until disposed or
/// until <c>duration</c> has passed. `hil stress` and the under-load tests use it.
/// </summary>
public sealed class CpuLoad : IDisposable
{
    private readonly List<Process> _workers = [];
    private readonly Timer? _stop;

    private CpuLoad(int workers, TimeSpan? duration)
    {
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), "at least one worker");
        for (int i = 0; i < workers; i++)
        {
            var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("while :; do :; done");
            _workers.Add(Process.Start(info) ?? throw new InvalidOperationException("cannot start a load worker (/bin/sh)"));
        }
        if (duration is { } d) _stop = new Timer(_ => Dispose(), null, d, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Starts <paramref name="workers"/> busy processes, stopped after <paramref name="duration"/> (or on dispose).</summary>
    public static CpuLoad Start(int workers, TimeSpan? duration = null) => new(workers, duration);

    public int Workers => _workers.Count;

    public bool Running => _workers.Any(w => !w.HasExited);

    public void Dispose()
    {
        _stop?.Dispose();
        lock (_workers)
        {
            foreach (Process worker in _workers)
            {
                try
                {
                    if (!worker.HasExited) worker.Kill();
                    worker.WaitForExit();
                }
                catch (InvalidOperationException)
                {
                    // already gone
                }
                worker.Dispose();
            }
            _workers.Clear();
        }
    }
}
