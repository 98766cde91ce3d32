namespace Hil.Harness.Clocks;

public enum ClockMode
{
    /// <summary>The node's clock follows the wall clock (physical boards, interactive use).</summary>
    Wall,

    /// <summary>The node's clock is virtual: it runs only as the harness advances it, or skips idle time.</summary>
    Virtual,
}

/// <summary>The node's notion of time, as the harness sees and drives it.</summary>
public interface ITargetClock
{
    ClockMode Mode { get; }

    /// <summary>Time on the node's clock since the target started.</summary>
    Task<TimeSpan> GetDeviceTimeAsync(CancellationToken cancellationToken = default);

    /// <summary>Lets <paramref name="duration"/> of device time pass (in wall mode, that is waiting).</summary>
    Task AdvanceAsync(TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Clocks with the same domain move together (the machines of one Renode share one timeline): advancing a group
    /// of nodes together advances one clock per domain. By default every clock is its own.
    /// </summary>
    object Domain => this;
}
