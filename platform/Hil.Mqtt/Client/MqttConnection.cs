using System.Net.Sockets;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Client;

/// <summary>
/// One TCP connection of a client, from CONNECT to its loss: the socket, serialised writes, the
/// receive loop and the keep-alive timer. It reports its end exactly once; the client decides
/// what follows (reconnect or not). No thread of its own: the receive loop is an async task and
/// the keep-alive is a one-shot timer re-armed for the next deadline.
/// </summary>
internal sealed class MqttConnection
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly MqttPacketReader _reader;
    private readonly CancellationTokenSource _closing = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _keepAlive;
    private readonly TimeSpan _pingTimeout;
    private ITimer? _keepAliveTimer;
    private long _lastSent;
    private long _pingSentAt; // 0 while no PINGREQ is outstanding
    private int _lost;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private MqttConnection(Socket socket, MqttClientOptions options)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new MqttPacketReader(_stream, options.MaxPacketSize);
        _time = options.TimeProvider;
        _keepAlive = options.KeepAlivePeriod;
        _pingTimeout = options.Timeout;
        Endpoint = $"{options.Host}:{options.Port}";
        _lastSent = _time.GetTimestamp();
        Acks = new AckSender(this);
    }

    /// <summary>Where the receive loop queues the PUBACKs of QoS 1 messages (sent in order, several per write).</summary>
    public AckSender Acks { get; }

    public string Endpoint { get; }

    /// <summary>Completes once the loss has been reported and handled.</summary>
    public Task Ended => _ended.Task;

    public bool IsLost => Volatile.Read(ref _lost) != 0;

    /// <summary>
    /// Opens the socket, sends CONNECT and reads CONNACK, all within <see cref="MqttClientOptions.Timeout"/>.
    /// Throws <see cref="TimeoutException"/> or <see cref="MqttCommunicationException"/> naming host:port.
    /// </summary>
    public static async Task<(MqttConnection Connection, ConnAckPacket ConnAck)> OpenAsync(
        MqttClientOptions options, ConnectPacket connect, CancellationToken cancellationToken)
    {
        string endpoint = $"{options.Host}:{options.Port}";
        using var timeout = new CancellationTokenSource(options.Timeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        string stage = "the TCP connection";
        MqttConnection? connection = null;
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, linked.Token).ConfigureAwait(false);
            connection = new MqttConnection(socket, options);
            stage = "CONNACK";
            await connection.SendAsync(connect, linked.Token).ConfigureAwait(false);
            MqttPacket? first = await connection._reader.ReadAsync(linked.Token).ConfigureAwait(false);
            return first switch
            {
                ConnAckPacket connAck => (connection, connAck),
                null => throw new MqttCommunicationException($"{endpoint} closed the connection before sending CONNACK"),
                _ => throw new MqttCommunicationException($"{endpoint} answered CONNECT with {first.Type} instead of CONNACK"),
            };
        }
        catch (Exception e)
        {
            if (connection is not null) connection.Dispose(); else socket.Dispose();
            if (e is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                throw new TimeoutException($"Timed out after {options.Timeout.TotalSeconds:0.###} s connecting to {endpoint} (waiting for {stage})");
            if (e is SocketException or IOException and not MqttCommunicationException)
                throw new MqttCommunicationException($"Cannot connect to {endpoint}: {e.Message}", e);
            if (e is MqttProtocolException)
                throw new MqttCommunicationException($"{endpoint} sent a malformed CONNACK: {e.Message}", e);
            throw;
        }
    }

    /// <summary>Starts the receive loop and the keep-alive; <paramref name="onLost"/> runs once when the connection ends.</summary>
    public void Start(Func<MqttPacket, ValueTask> onPacket, Func<string, Exception?, Task> onLost)
    {
        _onLost = onLost;
        if (_keepAlive > TimeSpan.Zero)
            _keepAliveTimer = _time.CreateTimer(_ => OnKeepAliveTimer(), null, _keepAlive, Timeout.InfiniteTimeSpan);
        _ = ReceiveLoopAsync(onPacket);
        _ = Acks.RunAsync();
    }

    private Func<string, Exception?, Task>? _onLost;

    /// <summary>
    /// Writes one packet. Frames never interleave: one caller at a time writes, and frames queued by others meanwhile
    /// go out together in its next write (one system call, and one read for the broker, instead of one per packet).
    /// Cancelling stops the wait only while the frame is still queued; once it is being written it is written whole.
    /// </summary>
    public Task SendAsync(MqttPacket packet, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return WriteAsync(MqttCodec.Encode(packet), packet.Type, cancellationToken);
    }

    /// <summary>PUBACKs for <paramref name="packetIds"/>, in that order, in one write.</summary>
    public Task SendPubAcksAsync(IReadOnlyList<ushort> packetIds)
    {
        byte[] frames = new byte[packetIds.Count * 4];
        for (int i = 0; i < packetIds.Count; i++)
        {
            frames[i * 4] = (byte)MqttPacketType.PubAck << 4;
            frames[i * 4 + 1] = 2;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(frames.AsSpan(i * 4 + 2), packetIds[i]);
        }
        return WriteAsync(frames, MqttPacketType.PubAck, CancellationToken.None);
    }

    private sealed class QueuedFrame(byte[] frame)
    {
        public byte[] Frame { get; } = frame;
        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Lock _writeGate = new();
    private List<QueuedFrame> _queuedFrames = [];
    private bool _writing;

    private async Task WriteAsync(byte[] frame, MqttPacketType type, CancellationToken cancellationToken)
    {
        QueuedFrame? queued = null;
        lock (_writeGate)
        {
            if (_writing) _queuedFrames.Add(queued = new QueuedFrame(frame));
            else _writing = true;
        }
        if (queued is not null)
        {
            // Another caller is writing and will take this frame with its next write.
            await using var cancel = cancellationToken.Register(() =>
            {
                lock (_writeGate) if (_queuedFrames.Remove(queued)) queued.Written.TrySetCanceled(cancellationToken);
            });
            await queued.Written.Task.ConfigureAwait(false);
            return;
        }
        List<QueuedFrame>? batch = null;
        try
        {
            while (true)
            {
                Volatile.Write(ref _lastSent, _time.GetTimestamp());
                await _stream.WriteAsync(frame, _closing.Token).ConfigureAwait(false);
                if (batch is not null) foreach (QueuedFrame done in batch) done.Written.TrySetResult();
                lock (_writeGate)
                {
                    if (_queuedFrames.Count == 0)
                    {
                        _writing = false;
                        return;
                    }
                    (batch, _queuedFrames) = (_queuedFrames, []);
                }
                frame = Concatenate(batch);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            var failure = new MqttCommunicationException($"Cannot send {type} to {Endpoint}: {(IsLost ? "the connection is closed" : e.Message)}", e);
            List<QueuedFrame> waiting;
            lock (_writeGate)
            {
                (waiting, _queuedFrames) = (_queuedFrames, []);
                _writing = false;
            }
            foreach (QueuedFrame failed in (batch ?? []).Concat(waiting)) failed.Written.TrySetException(failure);
            throw failure;
        }
    }

    private static byte[] Concatenate(List<QueuedFrame> frames)
    {
        byte[] joined = new byte[frames.Sum(f => f.Frame.Length)];
        int at = 0;
        foreach (QueuedFrame f in frames)
        {
            f.Frame.CopyTo(joined, at);
            at += f.Frame.Length;
        }
        return joined;
    }

    /// <summary>Ends the connection (idempotent) and reports the loss; returns when it has been handled.</summary>
    public Task LoseAsync(string reason, Exception? error = null)
    {
        if (Interlocked.Exchange(ref _lost, 1) != 0) return Ended;
        Dispose();
        _ = ReportLossAsync(reason, error);
        return Ended;
    }

    private async Task ReportLossAsync(string reason, Exception? error)
    {
        try
        {
            if (_onLost is not null) await _onLost(reason, error).ConfigureAwait(false);
        }
        finally
        {
            _ended.TrySetResult();
        }
    }

    private async Task ReceiveLoopAsync(Func<MqttPacket, ValueTask> onPacket)
    {
        string reason;
        Exception? error = null;
        try
        {
            while (true)
            {
                MqttPacket? packet = await _reader.ReadAsync(_closing.Token).ConfigureAwait(false);
                if (packet is null)
                {
                    reason = $"{Endpoint} closed the connection";
                    break;
                }
                Volatile.Write(ref _pingSentAt, 0);
                await onPacket(packet).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (IsLost)
        {
            reason = "closed";
            error = e;
        }
        catch (MqttProtocolException e)
        {
            reason = $"{Endpoint} broke the protocol: {e.Message}";
            error = e;
        }
        catch (Exception e)
        {
            reason = $"the connection to {Endpoint} failed: {e.Message}";
            error = e;
        }
        await LoseAsync(reason, error).ConfigureAwait(false);
    }

    private void OnKeepAliveTimer()
    {
        if (IsLost) return;
        long now = _time.GetTimestamp();
        long pingSentAt = Volatile.Read(ref _pingSentAt);
        if (pingSentAt != 0 && _time.GetElapsedTime(pingSentAt, now) >= _pingTimeout)
        {
            _ = LoseAsync($"no answer from {Endpoint} within {_pingTimeout.TotalSeconds:0.###} s of PINGREQ (keep-alive)");
            return;
        }
        TimeSpan idle = _time.GetElapsedTime(Volatile.Read(ref _lastSent), now);
        if (pingSentAt == 0 && idle >= _keepAlive)
        {
            pingSentAt = now;
            Volatile.Write(ref _pingSentAt, now);
            _ = PingAsync();
            idle = TimeSpan.Zero;
        }
        TimeSpan next = _keepAlive - idle;
        if (pingSentAt != 0) next = Min(next, _pingTimeout - _time.GetElapsedTime(pingSentAt, now));
        try
        {
            _keepAliveTimer?.Change(Max(next, TimeSpan.FromMilliseconds(1)), Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The connection was closed while this tick ran; nothing left to watch.
        }
    }

    private async Task PingAsync()
    {
        try
        {
            await SendAsync(EmptyPacket.PingReq).ConfigureAwait(false);
        }
        catch (MqttCommunicationException e)
        {
            await LoseAsync($"cannot send PINGREQ to {Endpoint}", e).ConfigureAwait(false);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void Dispose()
    {
        _keepAliveTimer?.Dispose();
        Acks.Complete();
        _closing.Cancel();
        _stream.Dispose();
    }
}
