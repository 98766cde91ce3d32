namespace Hil.Harness.Support;

/// <summary>
/// Wakes every waiter when something changes, so readiness is awaited on a condition
/// (checked after each change) instead of polled with sleeps.
/// </summary>
public sealed class ChangeSignal
{
    private readonly object _gate = new();
    private TaskCompletionSource _next = NewSource();

    /// <summary>Completes at the next <see cref="Notify"/>. Take it before checking the condition.</summary>
    public Task NextChange
    {
        get { lock (_gate) return _next.Task; }
    }

    public void Notify()
    {
        TaskCompletionSource completed;
        lock (_gate)
        {
            completed = _next;
            _next = NewSource();
        }
        completed.TrySetResult();
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, re-checking after every change.
    /// Returns false when <paramref name="timeout"/> (measured on <paramref name="timeProvider"/>) expires first.
    /// </summary>
    public async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout, TimeProvider timeProvider,
        CancellationToken cancellationToken = default)
    {
        if (condition()) return true; // already so: nothing waited for (this is asked after every clock step)
        using WaitMeter.Scope waiting = WaitMeter.Waiting();
        long start = timeProvider.GetTimestamp();
        while (true)
        {
            Task next = NextChange;
            if (condition()) return true;
            TimeSpan remaining = timeout - timeProvider.GetElapsedTime(start);
            if (remaining <= TimeSpan.Zero) return false;
            try
            {
                await next.WaitAsync(remaining, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return condition();
            }
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
