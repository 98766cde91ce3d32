using Hil.Harness.Channels;

namespace Hil.Harness.Targets.Renode;

/// <summary>
/// One UART of a machine on Renode's virtual time, as the timeline sees it: the channel the harness
/// reads it through (Renode's server socket terminal), a file backend Renode writes every byte the
/// UART sends to as it sends it (flushed at once, in the emulation's own thread: after
/// <c>emulation RunFor</c> returns, the file's length is what the node has written, while the socket
/// terminal's writer thread may still be sending), and the bytes the harness wrote that wait to be
/// put into the UART at the next step (<see cref="RenodeUartInput"/>).
/// </summary>
internal sealed class RenodeUartTap(string machine, string uart, TargetChannel channel, string counterFile)
{
    private readonly object _gate = new();
    private readonly List<byte> _queued = new();

    public string Machine { get; } = machine;
    public string Uart { get; } = uart;
    public TargetChannel Channel { get; } = channel;

    /// <summary>Renode's file backend for this UART (a new one after every snapshot load: backends are not saved).</summary>
    public string CounterFile { get; private set; } = counterFile;

    /// <summary><see cref="TargetChannel.BytesReceivedEver"/> when the counter file was created empty.</summary>
    public long ReceivedBase { get; private set; } = channel.BytesReceivedEver;

    public void Restart(string counterFile)
    {
        CounterFile = counterFile;
        ReceivedBase = Channel.BytesReceivedEver;
    }

    /// <summary>How many bytes the UART has sent since the counter file was made (0 before Renode creates it).</summary>
    public long Written()
    {
        try
        {
            return new FileInfo(CounterFile).Length;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
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
            return bytes;
        }
    }

    public void DropInput()
    {
        lock (_gate) _queued.Clear();
    }
}
