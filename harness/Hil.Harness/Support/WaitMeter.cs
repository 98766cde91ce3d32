using System.Diagnostics;

namespace Hil.Harness.Support;

/// <summary>
/// How long the harness has spent waiting on the system under test: a node's reply or boot, its
/// virtual clock, a condition polled on the platform. Waits overlap (several nodes at once), so the
/// meter counts wall time during which at least one wait is open, not the sum of the waits. What a
/// scenario spends beyond it is the harness's own overhead (`hil bench suite`, docs/benchmarks.md).
/// Process-wide: it measures one run at a time.
/// </summary>
public static class WaitMeter
{
    private static readonly object Gate = new();
    private static int _open;
    private static long _openedAt;
    private static long _closedTicks;

    /// <summary>Wall time so far during which at least one wait was open (including one open now).</summary>
    public static TimeSpan Total
    {
        get
        {
            lock (Gate)
            {
                long ticks = _closedTicks + (_open > 0 ? Stopwatch.GetTimestamp() - _openedAt : 0);
                return Stopwatch.GetElapsedTime(0, ticks);
            }
        }
    }

    /// <summary>Marks a wait on the system under test until the returned scope is disposed.</summary>
    public static Scope Waiting()
    {
        lock (Gate)
        {
            if (_open++ == 0) _openedAt = Stopwatch.GetTimestamp();
        }
        return new Scope(true);
    }

    private static void Close()
    {
        lock (Gate)
        {
            if (--_open == 0) _closedTicks += Stopwatch.GetTimestamp() - _openedAt;
        }
    }

    public readonly struct Scope(bool open) : IDisposable
    {
        public void Dispose()
        {
            if (open) Close();
        }
    }
}
