using System.Text.RegularExpressions;
using Hil.Harness.Channels;
using Hil.Harness.Support;

namespace Hil.Harness.Targets;

/// <summary>
/// The readiness check every backend uses: a line matching the ready pattern on the ready channel,
/// failing early (with the process's evidence) when the firmware's process exits first.
/// </summary>
public static class ReadyLine
{
    /// <param name="fromLine">Only lines from this absolute index on count (see <see cref="TargetChannel.LineCount"/>).</param>
    public static async Task WaitAsync(TargetChannel channel, Regex pattern, long fromLine, TimeSpan timeout,
        ManagedProcess process, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        long start = timeProvider.GetTimestamp();
        using var stopTimer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task expiry = Task.Delay(timeout, timeProvider, stopTimer.Token);
        while (true)
        {
            Task next = channel.NextChange;
            if (channel.LinesSince(fromLine).Any(pattern.IsMatch)) { stopTimer.Cancel(); return; }
            if (process.HasExited)
            {
                throw new TargetStartException(
                    $"Target '{channel.TargetName}' stopped before it was ready. {process.Evidence()}\n" +
                    channel.TimeoutError($"the ready line /{pattern}/", timeProvider.GetElapsedTime(start)).Message);
            }
            TimeSpan remaining = timeout - timeProvider.GetElapsedTime(start);
            if (remaining <= TimeSpan.Zero)
            {
                throw new TargetStartException(
                    $"Target '{channel.TargetName}' was not ready in time. " +
                    channel.TimeoutError($"the ready line /{pattern}/", timeout).Message + "\n" + process.Evidence());
            }
            await Task.WhenAny(next, process.Exited, expiry).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
