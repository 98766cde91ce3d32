namespace Hil.Harness.Clocks;

/// <summary>Device time is wall time since start; advancing it means waiting.</summary>
public sealed class WallClock(TimeProvider timeProvider) : ITargetClock
{
    private long _startedAt = timeProvider.GetTimestamp();

    public ClockMode Mode => ClockMode.Wall;

    /// <summary>Called when the target (re)starts.</summary>
    public void Restart() => _startedAt = timeProvider.GetTimestamp();

    public Task<TimeSpan> GetDeviceTimeAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(timeProvider.GetElapsedTime(_startedAt));

    public Task AdvanceAsync(TimeSpan duration, CancellationToken cancellationToken = default) =>
        Task.Delay(duration, timeProvider, cancellationToken);
}
