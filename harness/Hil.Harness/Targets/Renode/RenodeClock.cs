using Hil.Harness.Clocks;

namespace Hil.Harness.Targets.Renode;

/// <summary>
/// Renode's virtual time, moved only by <c>emulation RunFor</c>: exact, and shared by every
/// machine of one Renode (one emulation, one timeline). Device time is counted by the harness
/// from the target's start, since it is the only one moving it.
/// </summary>
public sealed class RenodeClock(RenodeHost host) : ITargetClock
{
    private TimeSpan _elapsed;

    public ClockMode Mode => ClockMode.Virtual;

    public Task<TimeSpan> GetDeviceTimeAsync(CancellationToken cancellationToken = default) => Task.FromResult(_elapsed);

    public async Task AdvanceAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        if (duration < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), "time only moves forward");
        await host.RunForAsync(duration, cancellationToken).ConfigureAwait(false);
        _elapsed += duration;
    }

    internal void Restart() => _elapsed = TimeSpan.Zero;
}
