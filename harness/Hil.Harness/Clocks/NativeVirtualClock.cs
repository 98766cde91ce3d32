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
    private readonly byte[] _buffer = new byte[256]; // what the node sent, up to _buffered
    private readonly byte[] _request = new byte[256];
    private readonly byte[] _reply = new byte[256]; // the last reply line
    private readonly Range[] _fields = new Range[8]; // its numbers, in _reply
    private int _buffered;
    private long? _deviceTime; // the node's time as it last said

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
        }
        finally
        {
            _oneStepAtATime.Release();
        }
    }

    private async Task<long> AskNowAsync(CancellationToken cancellationToken)
    {
        int length = PutAscii(_request, 0, "now\n");
        await RequestAsync(length, "now", 2, cancellationToken).ConfigureAwait(false);
        long now = ParseField(0, "now");
        _deviceTime = now;
        return now;
    }

    /// <summary>One step of at most <paramref name="remaining"/> ms; returns the node's new time.</summary>
    private async Task<long> StepAsync(long remaining, CancellationToken cancellationToken)
    {
        // Formatted into a reused buffer: a day of device time can take tens of thousands of steps.
        int length = PutAscii(_request, 0, "advance ");
        length += Number(remaining, length);
        foreach (TargetChannel channel in _channels)
        {
            _request[length++] = (byte)' ';
            length += Number(channel.BytesSent, length);
        }
        _request[length++] = (byte)'\n';
        await RequestAsync(length, "ok", 2 + _channels.Count, cancellationToken).ConfigureAwait(false);
        Steps++;
        long now = ParseField(0, "ok");
        _deviceTime = now;
        for (int i = 0; i < _channels.Count; i++)
        {
            TargetChannel channel = _channels[i];
            long written = ParseField(1 + i, "ok");
            if (channel.BytesReceived >= written) continue; // already here: nothing to wait for
            await channel.WaitForAsync(c => c.BytesReceived >= written,
                $"the {written} bytes the node says it wrote (virtual clock step)", ReplyTimeout, cancellationToken).ConfigureAwait(false);
        }
        return now;
    }

    private int Number(long value, int at) =>
        value.TryFormat(_request.AsSpan(at), out int written, default, CultureInfo.InvariantCulture)
            ? written
            : throw new InvalidOperationException($"The clock request to target '{_targetName}' does not fit in {_request.Length} bytes.");

    private static int PutAscii(byte[] into, int at, string text) => Encoding.ASCII.GetBytes(text, 0, text.Length, into, at);

    /// <summary>Sends the request in <see cref="_request"/> and leaves the reply's numbers in <see cref="_fields"/> (into <see cref="_reply"/>).</summary>
    private async Task RequestAsync(int length, string expectedWord, int fields, CancellationToken cancellationToken)
    {
        await _control.WriteAsync(_request.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        int lineLength = await ReadLineAsync(length, cancellationToken).ConfigureAwait(false);
        ReadOnlySpan<byte> line = _reply.AsSpan(0, lineLength);
        int count = 0;
        bool wordMatches = false;
        foreach (Range range in line.Split((byte)' '))
        {
            ReadOnlySpan<byte> field = line[range];
            if (field.IsEmpty) continue;
            if (count == 0) wordMatches = Ascii.Equals(field, expectedWord);
            else if (count <= _fields.Length) _fields[count - 1] = range;
            count++;
        }
        if (count != fields || !wordMatches)
            throw new InvalidOperationException(
                $"Target '{_targetName}' answered '{Encoding.ASCII.GetString(line)}' to the clock request '{RequestText(length)}' " +
                $"(expected '{expectedWord}' and {fields - 1} numbers).");
    }

    private string RequestText(int length) => Encoding.ASCII.GetString(_request, 0, length).TrimEnd('\n');

    /// <summary>Reads the next reply line into <see cref="_reply"/>; returns its length without the line end.</summary>
    private async Task<int> ReadLineAsync(int requestLength, CancellationToken cancellationToken)
    {
        using WaitMeter.Scope waiting = WaitMeter.Waiting();
        using var timeout = new CancellationTokenSource(ReplyTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        while (true)
        {
            int newline = _buffer.AsSpan(0, _buffered).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                int lineLength = newline > 0 && _buffer[newline - 1] == '\r' ? newline - 1 : newline;
                if (lineLength > _reply.Length)
                    throw new InvalidOperationException($"Target '{_targetName}' answered a clock line of {lineLength} bytes to '{RequestText(requestLength)}'.");
                _buffer.AsSpan(0, lineLength).CopyTo(_reply);
                _buffered -= newline + 1;
                _buffer.AsSpan(newline + 1, _buffered).CopyTo(_buffer);
                return lineLength;
            }
            if (_buffered == _buffer.Length)
                throw new InvalidOperationException($"Target '{_targetName}' sent {_buffered} bytes without a line end on its clock control channel (during '{RequestText(requestLength)}').");
            int count;
            try
            {
                count = await _control.ReadAsync(_buffer.AsMemory(_buffered), linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"Target '{_targetName}' did not answer the clock request '{RequestText(requestLength)}' within {ReplyTimeout.TotalSeconds} s.");
            }
            if (count == 0)
                throw new IOException($"Target '{_targetName}' closed its clock control channel (during '{RequestText(requestLength)}').");
            _buffered += count;
        }
    }

    /// <summary>The <paramref name="index"/>-th number of the last reply (after its word).</summary>
    private long ParseField(int index, string what)
    {
        ReadOnlySpan<byte> text = _reply.AsSpan()[_fields[index]];
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new InvalidOperationException($"Target '{_targetName}' sent a bad number '{Encoding.ASCII.GetString(text)}' in its '{what}' clock reply.");
    }

    public async ValueTask DisposeAsync()
    {
        await _control.DisposeAsync().ConfigureAwait(false);
        _oneStepAtATime.Dispose();
    }
}
