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
public sealed class NativeVirtualClock : ITargetClock, IDeviceTimeSource, IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);
    private readonly NetworkStream _control;
    private readonly IReadOnlyList<TargetChannel> _channels;
    private readonly TimeProvider _timeProvider;
    private readonly string _targetName;
    private readonly SemaphoreSlim _oneStepAtATime = new(1, 1);
    private readonly byte[] _buffer = new byte[256];
    private readonly StringBuilder _pending = new();
    private long? _deviceTime; // the node's time as it last said
    private long _written;         // bytes the node has written on all channels, as its last reply said
    private bool _lastStepWrote;   // whether that reply showed new output (the instant may not be over)
    // A node that keeps writing at one instant is not waited for forever.
    private const int MaxSettleSteps = 10_000;
    // The step under way: its reply says the time at which the node wrote what arrives during it.
    private volatile TaskCompletionSource<long>? _step;

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
            return TimeSpan.FromMilliseconds(await AskNowAsync(cancellationToken).ConfigureAwait(false));
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
            // Device time moves only through this clock's steps and keeps running across a reboot (firmware/README.md),
            // and a new process gets a new clock: the node's last answer is its time now, so only the first advance asks.
            long start = _deviceTime ?? await AskNowAsync(cancellationToken).ConfigureAwait(false);
            long target = start + (long)Math.Ceiling(duration.TotalMilliseconds);
            long current = start;
            do
            {
                current = await StepAsync(target - current, cancellationToken).ConfigureAwait(false);
                if (current < start)
                    throw new InvalidOperationException(
                        $"Target '{_targetName}' went back in device time, from {start} ms to {current} ms, while the harness advanced its clock.");
            } while (current < target);
            // The last instant is lived to its end: what the node starts at the target time (a reading due then, and the
            // modem exchange that publishes it) finishes before the harness looks, however fast or slow the harness is.
            // Without this, whether a publish begun at the last instant had completed depended on wall-clock timing.
            for (int settle = 0; _lastStepWrote && settle < MaxSettleSteps; settle++)
                await StepAsync(0, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _oneStepAtATime.Release();
        }
    }

    private async Task<long> AskNowAsync(CancellationToken cancellationToken)
    {
        string[] reply = await RequestAsync("now", "now", 2, cancellationToken).ConfigureAwait(false);
        long now = ParseLong(reply[1], "now");
        _deviceTime = now;
        return now;
    }

    /// <summary>The node takes input in at the time it stands at (between steps its clock does not move).</summary>
    public ValueTask<TimeSpan?> TimeOfInputAsync() => TimeOfOutputAsync();

    /// <summary>
    /// The node runs only inside a step, and stops at the event it reacts to, so whatever arrives from it during a step was
    /// written at the step's end time, which its reply says: a device model asking mid-step waits for that reply (the clock
    /// reads it before waiting for the models, so this never deadlocks); between steps it is the last time the node said.
    /// </summary>
    public async ValueTask<TimeSpan?> TimeOfOutputAsync()
    {
        if (_step is { } step) return TimeSpan.FromMilliseconds(await step.Task.ConfigureAwait(false));
        return TimeSpan.FromMilliseconds(_deviceTime ?? 0);
    }

    /// <summary>One step of at most <paramref name="remaining"/> ms; returns the node's new time.</summary>
    private async Task<long> StepAsync(long remaining, CancellationToken cancellationToken)
    {
        var request = new StringBuilder("advance ").Append(remaining.ToString(CultureInfo.InvariantCulture));
        foreach (TargetChannel channel in _channels) request.Append(' ').Append(channel.BytesSent.ToString(CultureInfo.InvariantCulture));
        var step = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _step = step;
        try
        {
            string[] ok = await RequestAsync(request.ToString(), "ok", 2 + _channels.Count, cancellationToken).ConfigureAwait(false);
            Steps++;
            long now = ParseLong(ok[1], "ok");
            _deviceTime = now;
            step.TrySetResult(now);
            long total = 0;
            for (int i = 0; i < _channels.Count; i++) total += ParseLong(ok[2 + i], "ok");
            _lastStepWrote = total != _written;
            _written = total;
            for (int i = 0; i < _channels.Count; i++)
            {
                TargetChannel channel = _channels[i];
                long written = ParseLong(ok[2 + i], "ok");
                await channel.WaitForAsync(c => c.BytesReceived >= written,
                    $"the {written} bytes the node says it wrote (virtual clock step)", ReplyTimeout, cancellationToken).ConfigureAwait(false);
            }
            return now;
        }
        finally
        {
            step.TrySetResult(_deviceTime ?? 0); // a failed step: nobody may wait for its time forever
            _step = null;
        }
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
