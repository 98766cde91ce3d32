namespace Hil.Harness.Support;

/// <summary>
/// Device time the nodes of a run lived, summed over the nodes (each node's clock when its scenario ended): with the
/// wall time, how much faster than real time a suite runs (`hil bench suite`). Process-wide, like <see cref="WaitMeter"/>.
/// </summary>
public static class DeviceTimeMeter
{
    private static long _ticks;
    private static int _nodes;

    public static TimeSpan Total => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    /// <summary>Nodes counted so far.</summary>
    public static int Nodes => Volatile.Read(ref _nodes);

    public static void Add(TimeSpan lived)
    {
        Interlocked.Add(ref _ticks, lived.Ticks);
        Interlocked.Increment(ref _nodes);
    }
}
