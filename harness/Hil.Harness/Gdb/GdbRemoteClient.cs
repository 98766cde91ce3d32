using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hil.Harness.Gdb;

/// <summary>
/// A client of the GDB remote serial protocol (RSP), enough to write and read a target's memory
/// and run it between breakpoints: packets <c>$data#cc</c> with a modulo-256 checksum, each
/// acknowledged with <c>+</c> (or <c>-</c>: send again). QEMU's gdbstub halts the CPU when a client
/// connects; <see cref="ContinueAsync"/> resumes it and <see cref="WaitForStopAsync"/> awaits the
/// next stop (a breakpoint, or <see cref="InterruptAsync"/>'s 0x03). <see cref="DetachAsync"/>
/// removes breakpoints and lets the CPU run on.
/// </summary>
public sealed class GdbRemoteClient : IAsyncDisposable
{
    private const int MaxResends = 3;
    private readonly NetworkStream _stream;
    private readonly string _endpoint;
    private readonly TimeProvider _timeProvider;
    private readonly byte[] _buffer = new byte[65536];
    private int _bufferStart;
    private int _bufferEnd;
    private readonly List<string> _unsolicited = new();

    private GdbRemoteClient(NetworkStream stream, string endpoint, TimeProvider timeProvider)
    {
        _stream = stream;
        _endpoint = endpoint;
        _timeProvider = timeProvider;
    }

    /// <summary>How long one reply may take (the answer to a stop is awaited with its own timeout).</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest packet the server accepts (its <c>qSupported</c> PacketSize; 1024 if it names none).</summary>
    public int PacketSize { get; private set; } = 1024;

    /// <summary>Packets the server sent unasked while a request awaited its acknowledgement (QEMU: the halt on connection).</summary>
    public IReadOnlyList<string> Unsolicited => _unsolicited;

    /// <summary>The stop reply the server sent on connection (<c>?</c>), e.g. <c>T05thread:01;</c>.</summary>
    public string InitialStop { get; private set; } = "";

    /// <summary>
    /// Connects to a GDB server on 127.0.0.1 (retrying until <paramref name="timeout"/> while it is not
    /// yet listening), negotiates <c>qSupported</c> and asks why the target stopped.
    /// </summary>
    public static async Task<GdbRemoteClient> ConnectAsync(int port, TimeSpan timeout, TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        TimeProvider time = timeProvider ?? TimeProvider.System;
        string endpoint = $"127.0.0.1:{port}";
        long start = time.GetTimestamp();
        while (true)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
                var client = new GdbRemoteClient(new NetworkStream(socket, ownsSocket: true), endpoint, time);
                await client.HandshakeAsync(cancellationToken).ConfigureAwait(false);
                return client;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                socket.Dispose();
                if (time.GetElapsedTime(start) >= timeout)
                    throw new TimeoutException($"No GDB server accepted a connection on {endpoint} within {timeout.TotalSeconds:0.#} s.", e);
                await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        string features = await RequestAsync("qSupported:swbreak+;hwbreak+", cancellationToken).ConfigureAwait(false);
        foreach (string feature in features.Split(';'))
        {
            if (feature.StartsWith("PacketSize=", StringComparison.Ordinal))
                PacketSize = int.Parse(feature["PacketSize=".Length..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        InitialStop = await RequestAsync("?", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads <paramref name="length"/> bytes of target memory (<c>m addr,len</c>), in packet-sized pieces.</summary>
    public async Task<byte[]> ReadMemoryAsync(uint address, int length, CancellationToken cancellationToken = default)
    {
        var result = new byte[length];
        int chunk = Math.Max(1, (PacketSize - 8) / 2);
        for (int done = 0; done < length; done += chunk)
        {
            int count = Math.Min(chunk, length - done);
            string request = string.Create(CultureInfo.InvariantCulture, $"m{address + (uint)done:x},{count:x}");
            string reply = await RequestAsync(request, cancellationToken).ConfigureAwait(false);
            ThrowIfError(reply, request);
            if (reply.Length != count * 2)
                throw new GdbProtocolException($"GDB server {_endpoint} answered '{request}' with {reply.Length / 2} bytes instead of {count}.");
            Convert.FromHexString(reply).CopyTo(result, done);
        }
        return result;
    }

    /// <summary>Writes target memory with <c>M addr,len:hex</c> packets no larger than the server's PacketSize.</summary>
    public async Task WriteMemoryAsync(uint address, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        int chunk = Math.Max(1, (PacketSize - 32) / 2);
        for (int done = 0; done < data.Length; done += chunk)
        {
            ReadOnlyMemory<byte> piece = data.Slice(done, Math.Min(chunk, data.Length - done));
            string header = string.Create(CultureInfo.InvariantCulture, $"M{address + (uint)done:x},{piece.Length:x}");
            string reply = await RequestAsync(header + ":" + Convert.ToHexStringLower(piece.Span), cancellationToken).ConfigureAwait(false);
            ThrowIfError(reply, header);
            if (reply != "OK") throw new GdbProtocolException($"GDB server {_endpoint} answered '{header}' with '{reply}' instead of OK.");
        }
    }

    /// <summary>Reads the program counter: ARM register 15 of the general registers (<c>g</c>; QEMU 7.2 answers no <c>p</c>).</summary>
    public async Task<uint> ReadProgramCounterAsync(CancellationToken cancellationToken = default)
    {
        string reply = await RequestAsync("g", cancellationToken).ConfigureAwait(false);
        ThrowIfError(reply, "g");
        if (reply.Length < 16 * 8)
            throw new GdbProtocolException($"GDB server {_endpoint} answered 'g' with {reply.Length / 2} bytes, fewer than r0..r15.");
        return BinaryPrimitives.ReadUInt32LittleEndian(Convert.FromHexString(reply.AsSpan(15 * 8, 8)));
    }

    /// <summary>Sets a software breakpoint (<c>Z0</c>); <paramref name="kind"/> 2 is a 16-bit Thumb instruction.</summary>
    public Task InsertBreakpointAsync(uint address, int kind = 2, CancellationToken cancellationToken = default) =>
        ExpectOkAsync(string.Create(CultureInfo.InvariantCulture, $"Z0,{address:x},{kind}"), cancellationToken);

    public Task RemoveBreakpointAsync(uint address, int kind = 2, CancellationToken cancellationToken = default) =>
        ExpectOkAsync(string.Create(CultureInfo.InvariantCulture, $"z0,{address:x},{kind}"), cancellationToken);

    /// <summary>Resumes the target (<c>c</c>). The server answers only when it stops again: <see cref="WaitForStopAsync"/>.</summary>
    public Task ContinueAsync(CancellationToken cancellationToken = default) => SendPacketAsync("c", cancellationToken);

    /// <summary>Executes one instruction (<c>s</c>) and returns the stop reply.</summary>
    public async Task<string> StepAsync(CancellationToken cancellationToken = default)
    {
        await SendPacketAsync("s", cancellationToken).ConfigureAwait(false);
        return await WaitForStopAsync(ReplyTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks a running target to stop (the out-of-band byte 0x03); then await <see cref="WaitForStopAsync"/>.</summary>
    public async Task InterruptAsync(CancellationToken cancellationToken = default) =>
        await _stream.WriteAsync(new byte[] { 0x03 }, cancellationToken).ConfigureAwait(false);

    /// <summary>Awaits the stop reply (<c>S</c>/<c>T</c> packet) after a continue or an interrupt.</summary>
    public async Task<string> WaitForStopAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        string reply = await ReadPacketAsync(timeout, "a stop reply", cancellationToken).ConfigureAwait(false);
        if (reply.Length == 0 || (reply[0] != 'S' && reply[0] != 'T'))
            throw new GdbProtocolException($"GDB server {_endpoint} sent '{reply}' where a stop reply (S/T) was expected.");
        return reply;
    }

    /// <summary>Detaches (<c>D</c>): the server drops its breakpoints and the target runs on.</summary>
    public Task DetachAsync(CancellationToken cancellationToken = default) => ExpectOkAsync("D", cancellationToken);

    private async Task ExpectOkAsync(string request, CancellationToken cancellationToken)
    {
        string reply = await RequestAsync(request, cancellationToken).ConfigureAwait(false);
        ThrowIfError(reply, request);
        if (reply != "OK") throw new GdbProtocolException($"GDB server {_endpoint} answered '{request}' with '{reply}' instead of OK.");
    }

    private void ThrowIfError(string reply, string request)
    {
        if (reply.Length == 0) throw new GdbProtocolException($"GDB server {_endpoint} does not support '{request}' (empty reply).");
        if (reply.Length == 3 && reply[0] == 'E')
            throw new GdbProtocolException($"GDB server {_endpoint} refused '{request}' with error {reply}.");
    }

    /// <summary>Sends one packet and returns the server's reply packet.</summary>
    public async Task<string> RequestAsync(string packet, CancellationToken cancellationToken = default)
    {
        await SendPacketAsync(packet, cancellationToken).ConfigureAwait(false);
        return await ReadPacketAsync(ReplyTimeout, $"the reply to '{Abbreviate(packet)}'", cancellationToken).ConfigureAwait(false);
    }

    private async Task SendPacketAsync(string packet, CancellationToken cancellationToken)
    {
        byte[] frame = GdbPacket.Encode(packet);
        for (int attempt = 0; ; attempt++)
        {
            await _stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            string awaited = $"the acknowledgement of '{Abbreviate(packet)}'";
            byte ack = await ReadByteAsync(ReplyTimeout, awaited, cancellationToken).ConfigureAwait(false);
            while (ack == (byte)'$')
            {
                // QEMU announces the halt it makes on connection ($T02...) unasked, racing our first packet.
                _unsolicited.Add(await ReadPacketBodyAsync(ReplyTimeout, awaited, cancellationToken).ConfigureAwait(false));
                ack = await ReadByteAsync(ReplyTimeout, awaited, cancellationToken).ConfigureAwait(false);
            }
            if (ack == (byte)'+') return;
            if (ack != (byte)'-')
                throw new GdbProtocolException($"GDB server {_endpoint} sent 0x{ack:x2} where '+' or '-' acknowledged '{Abbreviate(packet)}'.");
            if (attempt == MaxResends)
                throw new GdbProtocolException($"GDB server {_endpoint} refused '{Abbreviate(packet)}' {MaxResends + 1} times (checksum '-').");
        }
    }

    private async Task<string> ReadPacketAsync(TimeSpan timeout, string awaited, CancellationToken cancellationToken)
    {
        while (true)
        {
            byte first;
            do first = await ReadByteAsync(timeout, awaited, cancellationToken).ConfigureAwait(false);
            while (first != (byte)'$'); // stray acks between packets are skipped
            string? data = await TryReadPacketBodyAsync(timeout, awaited, cancellationToken).ConfigureAwait(false);
            if (data is not null) return data;
        }
    }

    private async Task<string> ReadPacketBodyAsync(TimeSpan timeout, string awaited, CancellationToken cancellationToken)
    {
        string? data = await TryReadPacketBodyAsync(timeout, awaited, cancellationToken).ConfigureAwait(false);
        return data ?? await ReadPacketAsync(timeout, awaited, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a packet after its '$' and acknowledges it; null (after a '-') when its checksum is wrong.</summary>
    private async Task<string?> TryReadPacketBodyAsync(TimeSpan timeout, string awaited, CancellationToken cancellationToken)
    {
        var body = new List<byte>();
        while (true)
        {
            byte b = await ReadByteAsync(timeout, awaited, cancellationToken).ConfigureAwait(false);
            if (b == (byte)'#') break;
            body.Add(b);
        }
        byte high = await ReadByteAsync(timeout, awaited, cancellationToken).ConfigureAwait(false);
        byte low = await ReadByteAsync(timeout, awaited, cancellationToken).ConfigureAwait(false);
        bool intact = GdbPacket.TryDecode(body, high, low, out string data);
        await _stream.WriteAsync(intact ? "+"u8.ToArray() : "-"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        return intact ? data : null;
    }

    private async Task<byte> ReadByteAsync(TimeSpan timeout, string awaited, CancellationToken cancellationToken)
    {
        if (_bufferStart == _bufferEnd)
        {
            using var expiry = new CancellationTokenSource(timeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
            int count;
            try
            {
                count = await _stream.ReadAsync(_buffer, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (expiry.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"GDB server {_endpoint} did not send {awaited} within {timeout.TotalSeconds:0.#} s.");
            }
            if (count == 0) throw new IOException($"GDB server {_endpoint} closed the connection while the harness awaited {awaited}.");
            _bufferStart = 0;
            _bufferEnd = count;
        }
        return _buffer[_bufferStart++];
    }

    private static string Abbreviate(string packet) => packet.Length <= 40 ? packet : packet[..40] + "...";

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync().ConfigureAwait(false);
}

/// <summary>An answer from a GDB server that breaks the protocol or refuses a request.</summary>
public sealed class GdbProtocolException(string message) : Exception(message);
