namespace Hil.Harness.Targets.Serial;

/// <summary>
/// An open serial device (a board's USB-UART, or a pty): raw 8N1 at the given speed, flow control
/// off or RTS/CTS, opened non-blocking and waited on through <see cref="SerialPoller"/>. As a
/// <see cref="Stream"/> it plugs into a target channel. A device that goes away (unplugged, USB
/// re-enumerated) ends reads with an <see cref="IOException"/>.
/// </summary>
public sealed class SerialPort : Stream
{
    private int _fd;

    private SerialPort(int fd, string device)
    {
        _fd = fd;
        Device = device;
    }

    public string Device { get; }

    /// <summary>Opens <paramref name="device"/> in raw mode (not exclusively: a reset or flash tool may need it too).</summary>
    public static unsafe SerialPort Open(string device, int baudRate = 115200, bool hardwareFlowControl = false)
    {
        uint speed = Termios.SpeedConstant(baudRate);
        if (!File.Exists(device))
            throw new FileNotFoundException($"Serial device '{device}' does not exist (unplugged? `hil boards` lists the serial devices).", device);
        int fd = Termios.Open(device, Termios.ORdWr | Termios.ONoCtty | Termios.ONonBlock | Termios.OCloExec);
        if (fd < 0) throw new IOException($"Cannot open serial device '{device}': {Termios.LastError()}");
        try
        {
            byte* termios = stackalloc byte[Termios.StructSize];
            if (Termios.TcGetAttr(fd, termios) != 0) throw new IOException($"'{device}' is not a serial device: {Termios.LastError()}");
            Termios.CfMakeRaw(termios);
            ref uint cflag = ref *(uint*)(termios + Termios.CflagOffset);
            cflag = (cflag & ~(Termios.CSize | Termios.CStopB | Termios.ParEnb | Termios.CrtsCts)) | Termios.Cs8 | Termios.CRead | Termios.CLocal;
            if (hardwareFlowControl) cflag |= Termios.CrtsCts;
            if (Termios.CfSetISpeed(termios, speed) != 0 || Termios.CfSetOSpeed(termios, speed) != 0 ||
                Termios.TcSetAttr(fd, Termios.TcsaNow, termios) != 0)
                throw new IOException($"Cannot configure '{device}' for {baudRate} baud 8N1: {Termios.LastError()}");
            return new SerialPort(fd, device);
        }
        catch
        {
            Termios.Close(fd);
            throw;
        }
    }

    /// <summary>Throws the list of supported rates unless <paramref name="baudRate"/> is one of them.</summary>
    public static void ValidateBaud(int baudRate) => Termios.SpeedConstant(baudRate);

    /// <summary>Discards what arrived before now (stale output from before a reset).</summary>
    public void DiscardInput() => Termios.TcFlush(RequireOpen(), Termios.TciFlush);

    /// <summary>Sets or clears DTR (many boards wire it to reset or boot mode).</summary>
    public void SetDtr(bool asserted) => SetLine(Termios.TiocmDtr, asserted, "DTR");

    /// <summary>Sets or clears RTS.</summary>
    public void SetRts(bool asserted) => SetLine(Termios.TiocmRts, asserted, "RTS");

    /// <summary>The modem-control lines (TIOCM_* bits) as the driver reports them.</summary>
    public unsafe int ModemLines()
    {
        int bits = 0;
        if (Termios.Ioctl(RequireOpen(), Termios.TiocmGet, &bits) != 0)
            throw new IOException($"Serial device '{Device}' has no modem-control lines: {Termios.LastError()}");
        return bits;
    }

    private unsafe void SetLine(int bit, bool asserted, string name)
    {
        if (Termios.Ioctl(RequireOpen(), asserted ? Termios.TiocmBis : Termios.TiocmBic, &bit) != 0)
            throw new IOException($"Cannot {(asserted ? "set" : "clear")} {name} on '{Device}' (a pty or a UART without modem lines?): {Termios.LastError()}");
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            int fd = RequireOpen();
            (nint count, int errno) = ReadOnce(fd, buffer.Span);
            if (count >= 0) return (int)count;
            if (errno == Termios.EIntr) continue;
            if (errno != Termios.EAgain) throw new IOException($"Serial device '{Device}' failed or went away: {Termios.LastError()}");
            await SerialPoller.Shared.WaitAsync(fd, Termios.PollIn, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            int fd = RequireOpen();
            (nint count, int errno) = WriteOnce(fd, buffer.Span);
            if (count > 0) { buffer = buffer[(int)count..]; continue; }
            if (count < 0 && errno == Termios.EIntr) continue;
            if (count < 0 && errno != Termios.EAgain) throw new IOException($"Writing to serial device '{Device}' failed: {Termios.LastError()}");
            await SerialPoller.Shared.WaitAsync(fd, Termios.PollOut, cancellationToken).ConfigureAwait(false);
        }
    }

    private static unsafe (nint Count, int Errno) ReadOnce(int fd, Span<byte> span)
    {
        fixed (byte* p = span)
        {
            nint count = Termios.Read(fd, p, span.Length);
            return (count, count < 0 ? System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : 0);
        }
    }

    private static unsafe (nint Count, int Errno) WriteOnce(int fd, ReadOnlySpan<byte> span)
    {
        fixed (byte* p = span)
        {
            nint count = Termios.Write(fd, p, span.Length);
            return (count, count < 0 ? System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : 0);
        }
    }

    private int RequireOpen()
    {
        int fd = _fd;
        return fd >= 0 ? fd : throw new ObjectDisposedException(nameof(SerialPort), $"Serial device '{Device}' is closed.");
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Use ReadAsync.");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Use WriteAsync.");
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) Termios.Close(fd);
        base.Dispose(disposing);
    }
}
