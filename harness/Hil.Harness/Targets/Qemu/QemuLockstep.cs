using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Hil.Harness.Channels;
using Hil.Harness.Support;

namespace Hil.Harness.Targets.Qemu;

/// <summary>
/// The harness side of the <c>hil-lockstep</c> QEMU plugin (<c>harness/qemu-plugin/</c>): QEMU stops the
/// node right before it sleeps (WFI) whenever it has written to a UART since the last sleep, and
/// says how many bytes it has written to each; this answers "go" only once those bytes have arrived
/// on the target's channels, which means the device models there (the modem) have answered them
/// (<see cref="IChannelDevice"/>). Under <c>-icount sleep=off</c> a sleeping node skips to its next timer
/// at once, so without this a harness slow to answer (a busy CI machine) let the node's timeouts
/// expire in device time it never really waited: a slow harness made a run different; now it only
/// makes it slower.
/// The answers come from a dedicated thread, so a starved thread pool delays the node, never the reverse.
/// </summary>
public sealed class QemuLockstep : IDisposable
{
    /// <summary>How long the node may wait for bytes it says it wrote before the harness lets it run anyway and reports it.</summary>
    public static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(60);

    private readonly string _targetName;
    private readonly Socket _listener;
    private readonly IReadOnlyList<TargetChannel> _channels;
    private readonly long[] _receivedBefore;
    private readonly CancellationTokenSource _stopping = new();
    private Thread? _thread;
    private Socket? _connection;
    private long _sleepsReported;
    private long _harnessBehind;
    private volatile string? _fault;

    /// <summary>
    /// Listens for the plugin of a QEMU about to start. <paramref name="channels"/> are the channels that carry the
    /// plugin's UARTs, in the same order (whatever streams they get attached to: they count from now, before QEMU starts).
    /// </summary>
    public QemuLockstep(string targetName, string folder, IReadOnlyList<TargetChannel> channels)
    {
        _targetName = targetName;
        _channels = channels;
        _receivedBefore = channels.Select(c => c.BytesReceivedEver).ToArray();
        SocketPath = Path.Combine(folder, "lockstep.sock");
        File.Delete(SocketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(1);
    }

    /// <summary>The plugin built by <c>./hil build</c> (override with HIL_QEMU_LOCKSTEP_PLUGIN).</summary>
    public static string PluginPath =>
        Environment.GetEnvironmentVariable("HIL_QEMU_LOCKSTEP_PLUGIN")
        ?? Path.Combine(RepositoryLayout.BuildDirectory, "qemu-plugin", "hil-lockstep.so");

    public string SocketPath { get; }

    /// <summary>Sleeps the node reported (each after writing something): one round trip each.</summary>
    public long SleepsReported => Interlocked.Read(ref _sleepsReported);

    /// <summary>Of those, how many found the harness still behind, i.e. the node would have run ahead without lockstep.</summary>
    public long HarnessBehind => Interlocked.Read(ref _harnessBehind);

    /// <summary>Why lockstep stopped holding, if it did (a channel that never received what the node wrote).</summary>
    public string? Fault => _fault;

    /// <summary>QEMU's <c>-plugin</c> arguments: <paramref name="uartDataRegisters"/> in channel order.</summary>
    public IReadOnlyList<string> QemuArguments(IReadOnlyList<ulong> uartDataRegisters)
    {
        if (uartDataRegisters.Count != _channels.Count)
            throw new ArgumentException($"Lockstep of target '{_targetName}' needs one UART data register per channel ({_channels.Count}), got {uartDataRegisters.Count}.");
        string plugin = Firmware.FirmwareImages.RequireFile(PluginPath, "QEMU lockstep plugin");
        var spec = new StringBuilder(plugin).Append(",socket=").Append(SocketPath);
        foreach (ulong register in uartDataRegisters) spec.Append(",uart=0x").Append(register.ToString("x", CultureInfo.InvariantCulture));
        return ["-plugin", spec.ToString()];
    }

    /// <summary>Starts answering the plugin (it connects while QEMU starts; until this is called it waits in the listen queue).</summary>
    public void Start()
    {
        _thread = new Thread(Serve) { IsBackground = true, Name = $"lockstep {_targetName}" };
        _thread.Start();
    }

    private void Serve()
    {
        try
        {
            _connection = _listener.Accept();
            using var reader = new StreamReader(new NetworkStream(_connection, ownsSocket: false), Encoding.ASCII);
            string? hello = reader.ReadLine();
            if (hello is null || !hello.StartsWith("hello 1 ", StringComparison.Ordinal))
            {
                Report($"the QEMU lockstep plugin of target '{_targetName}' greeted with '{hello}' (expected 'hello 1 N')");
                return;
            }
            byte[] go = "go\n"u8.ToArray();
            while (reader.ReadLine() is { } line)
            {
                Interlocked.Increment(ref _sleepsReported);
                WaitUntilCaughtUp(line);
                _connection.Send(go);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // QEMU quit, or the target is stopping: the plugin lets the node run freely from here.
        }
    }

    // Never silent: the run goes on (a hung node gives no verdict at all), but its timing is no longer the harness's.
    private void Report(string fault)
    {
        _fault = fault;
        Console.Error.WriteLine($"hil: warning: {fault}");
    }

    private void WaitUntilCaughtUp(string line)
    {
        string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != _channels.Count + 1 || fields[0] != "wfi")
        {
            Report($"the QEMU lockstep plugin of target '{_targetName}' sent '{line}' (expected 'wfi' and {_channels.Count} counts)");
            return;
        }
        for (int i = 0; i < _channels.Count; i++)
        {
            TargetChannel channel = _channels[i];
            long written = long.Parse(fields[i + 1], NumberStyles.None, CultureInfo.InvariantCulture);
            long before = _receivedBefore[i];
            bool CaughtUp(TargetChannel c) => c.BytesReceivedEver - before >= written;
            if (CaughtUp(channel)) continue;
            Interlocked.Increment(ref _harnessBehind);
            try
            {
                channel.WaitForAsync(CaughtUp, $"the {written} bytes the node wrote before it slept (QEMU lockstep)", CatchUpTimeout, _stopping.Token)
                    .GetAwaiter().GetResult();
            }
            catch (ChannelTimeoutException e)
            {
                Report($"lockstep of target '{_targetName}' let the node run without the harness: {e.Message}");
            }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _connection?.Dispose();
        _listener.Dispose();
        if (_thread is { } thread && thread != Thread.CurrentThread) thread.Join(TimeSpan.FromSeconds(5));
        _stopping.Dispose();
        File.Delete(SocketPath);
    }
}
