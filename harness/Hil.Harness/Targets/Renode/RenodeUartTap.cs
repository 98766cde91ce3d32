using System.Runtime.InteropServices;
using Hil.Harness.Channels;

namespace Hil.Harness.Targets.Renode;

/// <summary>
/// One UART of a machine on Renode's virtual time, as the timeline sees it: the channel the harness reads it through,
/// the file backend Renode writes every byte the UART sends to as it sends it (flushed at once, in the emulation's own
/// thread: after <c>emulation RunFor</c> returns, the file holds exactly what the node has written), and the bytes the
/// harness wrote that wait to be put into the UART at the next step (<see cref="RenodeUartInput"/>).
/// </summary>
internal sealed partial class RenodeUartTap(string machine, string uart, TargetChannel channel, string counterFile)
{
    private readonly object _gate = new();
    private readonly List<byte> _queued = new();
    private readonly List<byte> _sent = new();
    private int _fd = -1;
    private long _delivered;

    // What a booted snapshot replays is its boot output (hundreds of bytes); a long-lived UART keeps no more than this.
    private const int MaxKeptForReplay = 64 * 1024;

    public string Machine { get; } = machine;
    public string Uart { get; } = uart;
    public TargetChannel Channel { get; } = channel;

    /// <summary>Where the channel reads the UART's bytes (<see cref="Pump"/> delivers them).</summary>
    public RenodeUartStream? Stream { get; set; }

    /// <summary>Renode's file backend for this UART (a new one after every snapshot load: backends are not saved).</summary>
    public string CounterFile { get; private set; } = counterFile;

    /// <summary>Bytes the harness put into this UART so far (a snapshot of a node that was answered cannot be replayed).</summary>
    public long Injected { get; private set; }

    /// <summary>Everything the UART sent since its file backend was made (the replay of a snapshot).</summary>
    public byte[] SentSoFar() => _sent.ToArray();

    public void Restart(string counterFile)
    {
        CloseFile();
        _delivered = 0;
        _sent.Clear();
        CounterFile = counterFile;
    }

    /// <summary>
    /// Hands the channel what the UART sent since the last call; returns how many bytes that was. Read with the C
    /// library's open/pread: Renode (a .NET program too) opens its file backend unshared, and .NET's own FileStream then
    /// refuses to open it (it emulates Windows sharing with flock); the bytes themselves are plainly readable.
    /// </summary>
    public int Pump()
    {
        if (_fd < 0)
        {
            if (!File.Exists(CounterFile)) return 0;
            _fd = Open(CounterFile, 0 /* O_RDONLY */);
            if (_fd < 0) throw new IOException($"Cannot read Renode's file backend '{CounterFile}' (errno {Marshal.GetLastPInvokeError()}).");
        }
        var added = new List<byte>();
        var buffer = new byte[65536];
        while (true)
        {
            nint count = PRead(_fd, buffer, buffer.Length, _delivered + added.Count);
            if (count < 0) throw new IOException($"Reading Renode's file backend '{CounterFile}' failed (errno {Marshal.GetLastPInvokeError()}).");
            if (count == 0) break;
            added.AddRange(buffer.AsSpan(0, (int)count));
        }
        if (added.Count == 0) return 0;
        _delivered += added.Count;
        if (_sent.Count < MaxKeptForReplay) _sent.AddRange(added);
        Stream?.Deliver(added.ToArray());
        return added.Count;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static partial nint PRead(int fd, byte[] buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseFd(int fd);

    private void CloseFile()
    {
        if (_fd >= 0) CloseFd(_fd);
        _fd = -1;
    }

    public bool HasInput
    {
        get { lock (_gate) return _queued.Count > 0; }
    }

    public void Queue(ReadOnlySpan<byte> bytes)
    {
        lock (_gate) _queued.AddRange(bytes);
    }

    public byte[] TakeInput()
    {
        lock (_gate)
        {
            byte[] bytes = _queued.ToArray();
            _queued.Clear();
            Injected += bytes.Length;
            return bytes;
        }
    }

    public void DropInput()
    {
        lock (_gate) _queued.Clear();
    }

    public void Close()
    {
        CloseFile();
        Stream?.Dispose();
    }
}
