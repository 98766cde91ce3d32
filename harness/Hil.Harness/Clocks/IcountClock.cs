using Hil.Harness.Support;

namespace Hil.Harness.Clocks;

/// <summary>
/// QEMU's virtual clock under <c>-icount shift=0,align=off,sleep=off</c>: one instruction is one
/// nanosecond and idle time is skipped, so device time runs as fast as the host can emulate.
/// The harness cannot stop it at an exact instant; advancing waits until the node's clock
/// (read through a probe) has moved far enough. Where the target can read the node's clock while
/// lockstep holds the node (<paramref name="timeOfOutput"/>), it also tells the device time of output. Where lockstep
/// grants device time (<paramref name="grant"/> returns true), advancing is that grant: the node sleeps no further.
/// </summary>
public sealed class IcountClock(Func<CancellationToken, Task<TimeSpan>> readDeviceTime, TimeProvider timeProvider,
    Func<ValueTask<TimeSpan?>>? timeOfOutput = null, Func<ValueTask<TimeSpan?>>? timeOfInput = null,
    Func<TimeSpan, CancellationToken, Task<bool>>? grant = null) : ITargetClock, IDeviceTimeSource
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MinimumProgressWindow = TimeSpan.FromSeconds(30);

    public ClockMode Mode => ClockMode.Virtual;

    public Task<TimeSpan> GetDeviceTimeAsync(CancellationToken cancellationToken = default) => readDeviceTime(cancellationToken);

    public ValueTask<TimeSpan?> TimeOfOutputAsync() => timeOfOutput?.Invoke() ?? ValueTask.FromResult<TimeSpan?>(null);

    public ValueTask<TimeSpan?> TimeOfInputAsync() => timeOfInput?.Invoke() ?? ValueTask.FromResult<TimeSpan?>(null);

    public async Task AdvanceAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        if (grant is not null && await grant(duration, cancellationToken).ConfigureAwait(false)) return;
        using WaitMeter.Scope waiting = WaitMeter.Waiting();
        TimeSpan target = await readDeviceTime(cancellationToken).ConfigureAwait(false) + duration;
        TimeSpan last = TimeSpan.MinValue;
        long lastProgress = timeProvider.GetTimestamp();
        while (true)
        {
            TimeSpan now = await readDeviceTime(cancellationToken).ConfigureAwait(false);
            if (now >= target) return;
            if (now > last)
            {
                last = now;
                lastProgress = timeProvider.GetTimestamp();
            }
            else if (timeProvider.GetElapsedTime(lastProgress) > MinimumProgressWindow)
            {
                throw new TimeoutException(
                    $"The node's virtual clock stopped at {now.TotalMilliseconds} ms while the harness waited for {target.TotalMilliseconds} ms.");
            }
            // The emulator runs freely; between probes it needs host time to execute.
            await Task.Delay(ProbeInterval, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }
}
