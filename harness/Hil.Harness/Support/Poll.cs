namespace Hil.Harness.Support;

/// <summary>
/// Waits for a condition that can only be observed by asking (a console command, an HTTP query):
/// asks, checks, and asks again after a short interval, until the condition holds or the timeout
/// expires; the error carries the last answer.
/// </summary>
public static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T>> ask, Func<T, bool> condition, string awaited,
        TimeSpan timeout, TimeProvider? timeProvider = null, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        using WaitMeter.Scope waiting = WaitMeter.Waiting();
        TimeProvider time = timeProvider ?? TimeProvider.System;
        long start = time.GetTimestamp();
        while (true)
        {
            T answer = await ask(cancellationToken).ConfigureAwait(false);
            if (condition(answer)) return answer;
            if (time.GetElapsedTime(start) >= timeout)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {awaited}; the last answer was: {answer}");
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(25), time, cancellationToken).ConfigureAwait(false);
        }
    }
}
