using System.Text;
using System.Text.RegularExpressions;
using Hil.Harness.Support;

namespace Hil.Harness.Channels;

/// <summary>
/// One named byte channel of a target (a UART, whatever carries it: TCP, pty, serial device).
/// Keeps a transcript of lines and a cursor, so a test can expect lines in order; every wait has a
/// timeout whose error says what was awaited and what was seen.
/// </summary>
public sealed class TargetChannel : IAsyncDisposable
{
    private const int MaxKeptLines = 50_000;
    private readonly object _gate = new();
    private readonly List<string> _lines = new();
    private readonly StringBuilder _partial = new();
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private readonly ChangeSignal _changed = new();
    private readonly List<IChannelDevice> _devices = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TimeProvider _timeProvider;
    private long _firstKeptLine;   // absolute index of _lines[0]
    private long _cursor;          // absolute index of the next line ExpectLine looks at
    private long _bytesReceived;
    private long _bytesSent;
    private long _bytesReceivedEver;
    private long _bytesArrivedEver;
    private long _bytesSentEver;
    private Stream? _stream;
    private Task _readLoop = Task.CompletedTask;
    private CancellationTokenSource _readCancellation = new();
    private Exception? _readFault;
    private bool _endOfStream;

    public TargetChannel(string targetName, string name, TimeProvider? timeProvider = null)
    {
        TargetName = targetName;
        Name = name;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    public string TargetName { get; }
    public string Name { get; }

    public long BytesReceived { get { lock (_gate) return _bytesReceived; } }
    public long BytesSent { get { lock (_gate) return _bytesSent; } }

    /// <summary>Bytes received over every stream this channel has had (<see cref="BytesReceived"/> restarts at each attachment).</summary>
    public long BytesReceivedEver { get { lock (_gate) return _bytesReceivedEver; } }

    /// <summary>Bytes written over every stream this channel has had.</summary>
    public long BytesSentEver { get { lock (_gate) return _bytesSentEver; } }

    /// <summary>As <see cref="BytesReceivedEver"/>, plus the chunk the device models are reacting to right now.</summary>
    public long BytesArrivedEver { get { lock (_gate) return _bytesArrivedEver; } }

    /// <summary>Total complete lines received so far (absolute count, including dropped old ones).</summary>
    public long LineCount { get { lock (_gate) return _firstKeptLine + _lines.Count; } }

    /// <summary>Text after the last line end (a prompt, typically).</summary>
    public string PartialLine { get { lock (_gate) return _partial.ToString(); } }

    /// <summary>True once the other side closed the connection (until a new stream is attached).</summary>
    public bool IsClosed { get { lock (_gate) return _endOfStream; } }

    /// <summary>A stream is attached and the other side has not closed it.</summary>
    public bool IsConnected { get { lock (_gate) return _stream is not null && !_endOfStream; } }

    /// <summary>A task that completes the next time anything arrives or the stream closes.</summary>
    public Task NextChange => _changed.NextChange;

    /// <summary>Wires a device model to this channel (it sees bytes before they are counted).</summary>
    public void AddDevice(IChannelDevice device)
    {
        lock (_gate) _devices.Add(device);
    }

    public void RemoveDevice(IChannelDevice device)
    {
        lock (_gate) _devices.Remove(device);
    }

    /// <summary>Starts reading from a newly connected stream (after a start or a reset). The transcript carries on.</summary>
    public async Task AttachAsync(Stream stream)
    {
        await DetachAsync().ConfigureAwait(false);
        BreakLine();
        lock (_gate)
        {
            _stream = stream;
            _endOfStream = false;
            _readFault = null;
            _bytesReceived = 0;
            _bytesSent = 0;
            _readCancellation = new CancellationTokenSource();
        }
        _readLoop = Task.Run(() => ReadLoopAsync(stream, _readCancellation.Token));
    }

    /// <summary>
    /// Ends the current partial line, so what arrives next starts a line of its own: the
    /// firmware's output after a reset does not continue the line it was writing before.
    /// </summary>
    public void BreakLine()
    {
        lock (_gate)
        {
            if (_partial.Length == 0) return;
            _lines.Add(_partial.ToString().TrimEnd('\r'));
            _partial.Clear();
        }
        _changed.Notify();
    }

    /// <summary>Stops reading and closes the stream (the firmware sees end of file).</summary>
    public async Task DetachAsync()
    {
        Stream? stream;
        lock (_gate)
        {
            stream = _stream;
            _stream = null;
        }
        if (stream is null) return;
        _readCancellation.Cancel();
        await stream.DisposeAsync().ConfigureAwait(false);
        try { await _readLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _changed.Notify();
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Stream stream = _stream ?? throw new InvalidOperationException(
            $"Channel '{Name}' of target '{TargetName}' is not connected.");
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        // Counted before the write: whoever compares it with what the node has read (QEMU lockstep) must never see the
        // node read more than was sent; bytes counted but still on their way are waited for.
        lock (_gate)
        {
            _bytesSent += data.Length;
            _bytesSentEver += data.Length;
        }
        try
        {
            await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            _changed.Notify(); // QEMU lockstep wakes a node held past its grant when input is sent
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            lock (_gate)
            {
                _bytesSent -= data.Length;
                _bytesSentEver -= data.Length;
            }
            if (e is IOException) throw new IOException($"Writing to channel '{Name}' of target '{TargetName}' failed: {e.Message}", e);
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task WriteAsync(string text, CancellationToken cancellationToken = default) =>
        WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>Sends a line terminated by a single '\n'.</summary>
    public Task WriteLineAsync(string line, CancellationToken cancellationToken = default) =>
        WriteAsync(line + "\n", cancellationToken);

    /// <summary>The last <paramref name="count"/> complete lines.</summary>
    public IReadOnlyList<string> Tail(int count = 20)
    {
        lock (_gate) return _lines.Skip(Math.Max(0, _lines.Count - count)).ToArray();
    }

    /// <summary>Lines from the absolute index <paramref name="fromLine"/> (see <see cref="LineCount"/>) on.</summary>
    public IReadOnlyList<string> LinesSince(long fromLine)
    {
        lock (_gate)
        {
            int start = (int)Math.Max(0, fromLine - _firstKeptLine);
            return start >= _lines.Count ? Array.Empty<string>() : _lines.GetRange(start, _lines.Count - start).ToArray();
        }
    }

    /// <summary>Moves the expectation cursor past everything received so far.</summary>
    public void SkipReceived()
    {
        lock (_gate) _cursor = _firstKeptLine + _lines.Count;
    }

    /// <summary>
    /// Waits for the next line (after the cursor) matching <paramref name="pattern"/>; moves the cursor past it.
    /// </summary>
    public async Task<Match> ExpectLineAsync(Regex pattern, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Match? found = null;
        bool ok = await WaitUntilAsync(() => (found = FindFromCursor(pattern, consume: true)) is not null,
            timeout, cancellationToken).ConfigureAwait(false);
        if (!ok) throw TimeoutError($"a line matching /{pattern}/", timeout);
        return found!;
    }

    public Task<Match> ExpectLineAsync(string pattern, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ExpectLineAsync(new Regex(pattern, RegexOptions.CultureInvariant), timeout, cancellationToken);

    /// <summary>Fails if a line matching <paramref name="pattern"/> arrives (after the cursor) within <paramref name="during"/>.</summary>
    public async Task ExpectNoLineAsync(Regex pattern, TimeSpan during, CancellationToken cancellationToken = default)
    {
        Match? found = null;
        bool appeared = await WaitUntilAsync(() => (found = FindFromCursor(pattern, consume: false)) is not null,
            during, cancellationToken).ConfigureAwait(false);
        if (appeared)
        {
            throw new InvalidOperationException(
                $"Channel '{Name}' of target '{TargetName}' showed '{found!.Value}' (matching /{pattern}/), which was expected not to appear.");
        }
    }

    /// <summary>Waits for any condition over this channel; the error names <paramref name="awaited"/> and shows the tail.</summary>
    public async Task WaitForAsync(Func<TargetChannel, bool> condition, string awaited, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        if (!await WaitUntilAsync(() => condition(this), timeout, cancellationToken).ConfigureAwait(false))
            throw TimeoutError(awaited, timeout);
    }

    /// <summary>The error a caller throws when its own wait on this channel expired.</summary>
    public ChannelTimeoutException TimeoutError(string awaited, TimeSpan timeout)
    {
        string partial;
        lock (_gate) partial = _partial.ToString();
        string state = _readFault is not null ? $" (the channel failed: {_readFault.Message})"
            : IsClosed ? " (the other side closed the channel)" : "";
        return new ChannelTimeoutException(TargetName, Name, awaited + state, timeout, Tail(20), partial);
    }

    private Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken) =>
        _changed.WaitUntilAsync(condition, timeout, _timeProvider, cancellationToken);

    private Match? FindFromCursor(Regex pattern, bool consume)
    {
        lock (_gate)
        {
            long start = Math.Max(_cursor, _firstKeptLine);
            for (long i = start; i < _firstKeptLine + _lines.Count; i++)
            {
                Match match = pattern.Match(_lines[(int)(i - _firstKeptLine)]);
                if (!match.Success) continue;
                if (consume) _cursor = i + 1;
                return match;
            }
            return null;
        }
    }

    private async Task ReadLoopAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                int count = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (count == 0) break;
                var chunk = new ReadOnlyMemory<byte>(buffer, 0, count);
                IChannelDevice[] devices;
                lock (_gate)
                {
                    devices = _devices.ToArray();
                    _bytesArrivedEver += count;
                }
                foreach (IChannelDevice device in devices)
                    await device.OnReceivedAsync(this, chunk, cancellationToken).ConfigureAwait(false);
                Append(chunk.Span);
                _changed.Notify();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { return; }
        catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested) { return; }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            lock (_gate) _readFault = e;
        }
        lock (_gate) _endOfStream = true;
        _changed.Notify();
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = stackalloc char[bytes.Length + 8];
        int charCount = _decoder.GetChars(bytes, chars, flush: false);
        lock (_gate)
        {
            _bytesReceived += bytes.Length;
            _bytesReceivedEver += bytes.Length;
            foreach (char c in chars[..charCount])
            {
                if (c == '\n')
                {
                    _lines.Add(_partial.ToString().TrimEnd('\r'));
                    _partial.Clear();
                }
                else
                {
                    _partial.Append(c);
                }
            }
            if (_lines.Count > MaxKeptLines)
            {
                int drop = _lines.Count - MaxKeptLines;
                _lines.RemoveRange(0, drop);
                _firstKeptLine += drop;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DetachAsync().ConfigureAwait(false);
        _writeLock.Dispose();
    }
}
