using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Hil.Harness.Channels;
using Hil.Harness.Support;

namespace Hil.Harness.Clocks;

/// <summary>
/// The native board's virtual clock, driven over its control channel (firmware/README.md,
/// "Native virtual clock"). Each step tells the node how many bytes the harness has written on
/// every channel, and the node answers with how many it has written; the harness waits until it
/// has received those bytes (so its device models have reacted) before the next step. Device
/// time thus passes in as many steps as there are events, deterministically.
/// </summary>
public sealed class NativeVirtualClock : ITargetClock, IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);
    private readonly NetworkStream _control;
    private readonly IReadOnlyList<TargetChannel> _channels;
    private readonly TimeProvider _timeProvider;
    private readonly string _targetName;
    private readonly SemaphoreSlim _oneStepAtATime = new(1, 1);
    private readonly byte[] _buffer = new byte[256];
    private readonly StringBuilder _pending = new();

    /// <param name="channels">The node's channels in control-protocol order (console, link, stimulus).</param>
    public NativeVirtualClock(string targetName, NetworkStream control, IReadOnlyList<TargetChannel> channels,
        TimeProvider timeProvider)
    {
        _targetName = targetName;
        _control = control;
        _channels = channels;
        _timeProvider = timeProvider;
    }

    public ClockMode Mode => ClockMode.Virtual;

    /// <summary>Steps taken so far (one per burst of output the node produced while time moved).</summary>
    public long Steps { get; private set; }

    public async Task<TimeSpan> GetDeviceTimeAsync(CancellationToken cancellationToken = default)
    {
        await _oneStepAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string[] reply = await RequestAsync("now", "now", 2, cancellationToken).ConfigureAwait(false);
            return TimeSpan.FromMilliseconds(ParseLong(reply[1], "now"));
        }
        finally
        {
            _oneStepAtATime.Release();
        }
    }

    public async Task AdvanceAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        if (duration < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), "time only moves forward");
        await _oneStepAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string[] now = await RequestAsync("now", "now", 2, cancellationToken).ConfigureAwait(false);
            long current = ParseLong(now[1], "now");
            long target = current + (long)Math.Ceiling(duration.TotalMilliseconds);
            do
            {
                current = await StepAsync(target - current, cancellationToken).ConfigureAwait(false);
            } while (current < target);
        }
        finally
        {
            _oneStepAtATime.Release();
        }
    }

    /// <summary>One step of at most <paramref name="remaining"/> ms; returns the node's new time.</summary>
    private async Task<long> StepAsync(long remaining, CancellationToken cancellationToken)
    {
        var request = new StringBuilder("advance ").Append(remaining.ToString(CultureInfo.InvariantCulture));
        foreach (TargetChannel channel in _channels) request.Append(' ').Append(channel.BytesSent.ToString(CultureInfo.InvariantCulture));
        string[] ok = await RequestAsync(request.ToString(), "ok", 2 + _channels.Count, cancellationToken).ConfigureAwait(false);
        Steps++;
        for (int i = 0; i < _channels.Count; i++)
        {
            TargetChannel channel = _channels[i];
            long written = ParseLong(ok[2 + i], "ok");
            await channel.WaitForAsync(c => c.BytesReceived >= written,
                $"the {written} bytes the node says it wrote (virtual clock step)", ReplyTimeout, cancellationToken).ConfigureAwait(false);
        }
        return ParseLong(ok[1], "ok");
    }

    private async Task<string[]> RequestAsync(string request, string expectedWord, int fields, CancellationToken cancellationToken)
    {
        await _control.WriteAsync(Encoding.ASCII.GetBytes(request + "\n"), cancellationToken).ConfigureAwait(false);
        string line = await ReadLineAsync(request, cancellationToken).ConfigureAwait(false);
        string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != fields || parts[0] != expectedWord)
            throw new InvalidOperationException(
                $"Target '{_targetName}' answered '{line}' to the clock request '{request}' (expected '{expectedWord}' and {fields - 1} numbers).");
        return parts;
    }

    private async Task<string> ReadLineAsync(string request, CancellationToken cancellationToken)
    {
        using WaitMeter.Scope waiting = WaitMeter.Waiting();
        using var timeout = new CancellationTokenSource(ReplyTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        while (true)
        {
            string text = _pending.ToString();
            int newline = text.IndexOf('\n');
            if (newline >= 0)
            {
                _pending.Remove(0, newline + 1);
                return text[..newline].TrimEnd('\r');
            }
            int count;
            try
            {
                count = await _control.ReadAsync(_buffer, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"Target '{_targetName}' did not answer the clock request '{request}' within {ReplyTimeout.TotalSeconds} s.");
            }
            if (count == 0)
                throw new IOException($"Target '{_targetName}' closed its clock control channel (during '{request}').");
            _pending.Append(Encoding.ASCII.GetString(_buffer, 0, count));
        }
    }

    private long ParseLong(string text, string what) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new InvalidOperationException($"Target '{_targetName}' sent a bad number '{text}' in its '{what}' clock reply.");

    public async ValueTask DisposeAsync()
    {
        await _control.DisposeAsync().ConfigureAwait(false);
        _oneStepAtATime.Dispose();
    }
}
