using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Hil.Harness.Channels;
using Hil.Harness.Support;

namespace Hil.Harness.Targets.Qemu;

/// <summary>
/// The harness side of the <c>hil-lockstep</c> QEMU plugin (<c>harness/qemu-plugin/</c>): QEMU stops the
/// node right before every sleep (WFI) and says how many bytes it has written to and read from each
/// UART; this answers "go" only once those bytes have arrived
/// on the target's channels, which means the device models there (the modem) have answered them
/// (<see cref="IChannelDevice"/>). Under <c>-icount sleep=off</c> a sleeping node skips to its next timer
/// at once, so without this a harness slow to answer (a busy CI machine) let the node's timeouts
/// expire in device time it never really waited: a slow harness made a run different; now it only
/// makes it slower.
/// The answers come from a dedicated thread, so a starved thread pool delays the node, never the reverse.
/// Input it sends is handed over before the node sleeps, and device time may be granted step by step
/// (QemuLockstep.Grant.cs).
/// </summary>
public sealed partial class QemuLockstep : IDisposable
{
    /// <summary>How long the node may wait for bytes it says it wrote before the harness lets it run anyway and reports it.</summary>
    public static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long the harness waits for QEMU to hand the node a byte it has not read before taking that byte for lost:
    /// a byte the UART had taken when the board reset is never read (the reset clears it), nor is one sent to a UART
    /// the firmware does not read.
    /// </summary>
    public static readonly TimeSpan HandOverTimeout = TimeSpan.FromSeconds(1);

    private readonly string _targetName;
    private readonly Socket _listener;
    private readonly Socket _monitorListener;
    private readonly TimeProvider _time;
    private readonly long[] _sentBefore;
    private readonly long[] _lost; // per channel: bytes sent that the node will never read (see HandOverTimeout)
    private readonly long[] _readsOfNothing; // per channel: loads from the data register when no byte of the harness was there
    private IReadOnlyList<QemuUart> _uarts = [];
    private LockstepQmp? _monitor;
    private readonly object _monitorLock = new(); // the gate thread and the node's clock share the monitor
    private readonly TaskCompletionSource _monitorReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IReadOnlyList<TargetChannel> _channels;
    private readonly long[] _receivedBefore;
    private readonly long[] _reported; // the counts of the node's latest report
    private readonly CancellationTokenSource _stopping = new();
    private Thread? _thread;
    private Socket? _connection;
    private long _sleepsReported;
    private long _harnessBehind;
    private long _inputLosses;
    private volatile string? _fault;
    // Completed while the node waits for the harness before a sleep; replaced when it is let go.
    private volatile TaskCompletionSource _held = NewSignal();

    /// <summary>
    /// Listens for the plugin of a QEMU about to start. <paramref name="channels"/> are the channels that carry the
    /// plugin's UARTs, in the same order (whatever streams they get attached to: they count from now, before QEMU starts).
    /// </summary>
    public QemuLockstep(string targetName, string folder, IReadOnlyList<TargetChannel> channels, TimeProvider timeProvider)
    {
        _targetName = targetName;
        _time = timeProvider;
        _channels = channels;
        _receivedBefore = channels.Select(c => c.BytesReceivedEver).ToArray();
        _sentBefore = channels.Select(c => c.BytesSentEver).ToArray();
        _lost = new long[channels.Count];
        _readsOfNothing = new long[channels.Count];
        _reported = new long[channels.Count];
        SocketPath = Path.Combine(folder, "lockstep.sock");
        MonitorPath = Path.Combine(folder, "lockstep-qmp.sock");
        _listener = Listen(SocketPath);
        _monitorListener = Listen(MonitorPath);
    }

    private static Socket Listen(string path)
    {
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        return listener;
    }

    /// <summary>The plugin built by <c>./hil build</c> (override with HIL_QEMU_LOCKSTEP_PLUGIN).</summary>
    public static string PluginPath =>
        Environment.GetEnvironmentVariable("HIL_QEMU_LOCKSTEP_PLUGIN")
        ?? Path.Combine(RepositoryLayout.BuildDirectory, "qemu-plugin", "hil-lockstep.so");

    public string SocketPath { get; }

    /// <summary>The unix socket of lockstep's own QMP monitor (QEMU connects to it).</summary>
    public string MonitorPath { get; }

    /// <summary>Sleeps the node reported (each after writing something): one round trip each.</summary>
    public long SleepsReported => Interlocked.Read(ref _sleepsReported);

    /// <summary>Of those, how many found the harness still behind, i.e. the node would have run ahead without lockstep.</summary>
    public long HarnessBehind => Interlocked.Read(ref _harnessBehind);

    /// <summary>Times the node was found not to read bytes the harness had sent (a reset cleared them): counted, not waited for again.</summary>
    public long InputLosses => Interlocked.Read(ref _inputLosses);

    /// <summary>Why lockstep stopped holding, if it did (a channel that never received what the node wrote).</summary>
    public string? Fault => _fault;

    /// <summary>QEMU's arguments for the plugin and lockstep's monitor: <paramref name="uarts"/> in channel order.</summary>
    public IReadOnlyList<string> QemuArguments(IReadOnlyList<QemuUart> uarts)
    {
        if (uarts.Count != _channels.Count)
            throw new ArgumentException($"Lockstep of target '{_targetName}' needs one UART per channel ({_channels.Count}), got {uarts.Count}.");
        _uarts = uarts;
        string plugin = Firmware.FirmwareImages.RequireFile(PluginPath, "QEMU lockstep plugin");
        var spec = new StringBuilder(plugin).Append(",socket=").Append(SocketPath);
        foreach (QemuUart uart in uarts) spec.Append(",uart=0x").Append(uart.DataRegister.ToString("x", CultureInfo.InvariantCulture));
        return ["-plugin", spec.ToString(), "-chardev", $"socket,id=lockstep-qmp,path={MonitorPath}", "-mon", "chardev=lockstep-qmp,mode=control"];
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
            if (hello != $"hello 5 {_channels.Count}")
            {
                Report($"the QEMU lockstep plugin of target '{_targetName}' greeted with '{hello}' (expected 'hello 5 {_channels.Count}': is build/qemu-plugin current? ./hil build)");
                return;
            }
            _monitor = new LockstepQmp(_monitorListener.Accept(), TimeSpan.FromSeconds(1));
            _monitorReady.TrySetResult();
            while (reader.ReadLine() is { } line)
            {
                Interlocked.Increment(ref _sleepsReported);
                long[]? counts = ParseReport(line);
                string answer = Go;
                if (counts is not null)
                {
                    DiscountReadsOfNothing(counts.AsSpan(_channels.Count, _channels.Count));
                    // Together: a node whose report covers what has arrived is held (HoldAfterOutputAsync relies on it).
                    lock (_reported)
                    {
                        Array.Copy(counts, _reported, _channels.Count);
                        _held.TrySetResult();
                    }
                    NoteInputTaken(counts.AsSpan(_channels.Count, _channels.Count));
                    WaitUntilCaughtUp(counts);
                    long[] read = counts[_channels.Count..^2];
                    if (!WaitUntilNextByteHandedOver(read)) answer = HoldWithinGrant(read, instructions: counts[^2], sleep: counts[^1]);
                }
                _held = NewSignal();
                _connection.Send(Encoding.ASCII.GetBytes(answer));
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // QEMU quit, or the target is stopping: the plugin lets the node run freely from here.
        }
        finally
        {
            lock (_grantGate) _ended = true;
            _parkedChanged.Notify();
        }
    }

    /// <summary>
    /// Input the harness sent that the node has not read yet is handed to the UART one byte at a time by QEMU's main
    /// loop; a node that slept before the next byte was handed over would skip to its next tick first, so the sleep
    /// waits until the UART says a byte is there (it then ends at once).
    /// </summary>
    /// <returns>Whether a byte is waiting in a UART now (the sleep ends at once).</returns>
    private bool WaitUntilNextByteHandedOver(ReadOnlySpan<long> read)
    {
        bool handedOver = false;
        for (int i = 0; i < _channels.Count; i++)
        {
            long readable = Readable(i);
            if (readable <= read[i] || _monitor is null) continue;
            QemuUart uart = _uarts[i];
            long start = _time.GetTimestamp();
            while (true)
            {
                // No answer: QEMU's main loop is busy stopping the machine (a debugger attaching waits for this very
                // node), so the node must go; it stops at once.
                uint? status;
                lock (_monitorLock) status = _monitor.ReadWord(uart.StatusRegister);
                if (status is not uint word || (word & uart.RxReadyMask) != 0)
                {
                    handedOver = true;
                    break;
                }
                if (_time.GetElapsedTime(start) < HandOverTimeout) continue;
                _lost[i] += readable - read[i];
                Interlocked.Increment(ref _inputLosses);
                break;
            }
        }
        return handedOver;
    }

    /// <summary>
    /// Turns the node's loads from each data register into the bytes of the harness it has read: firmware reads the
    /// register when nothing was received, too (the reference node clears it at start-up, after every reboot), and a
    /// node cannot have read more than the harness sent, so any excess was such a read.
    /// </summary>
    private void DiscountReadsOfNothing(Span<long> read)
    {
        for (int i = 0; i < _channels.Count; i++)
        {
            _readsOfNothing[i] = Math.Max(_readsOfNothing[i], read[i] - Readable(i));
            read[i] -= _readsOfNothing[i];
        }
    }

    /// <summary>The bytes the harness has sent on channel <paramref name="i"/> that the node can read: all but those lost to a reset.</summary>
    private long Readable(int i) => _channels[i].BytesSentEver - _sentBefore[i] - _lost[i];

    private bool InputPending(ReadOnlySpan<long> read)
    {
        for (int i = 0; i < _channels.Count; i++)
            if (Readable(i) > read[i]) return true;
        return false;
    }

    /// <summary>
    /// For a device model reacting to the node's output (the modem): waits until the node is held before the sleep that
    /// follows what has arrived, so its clock then says when it wrote it. False when nothing arrived since the node's
    /// last report and it is not held (the caller is not reacting to output: the node may be anywhere in a sleep).
    /// </summary>
    public async Task<bool> HoldAfterOutputAsync(TimeSpan timeout)
    {
        Task held;
        bool owed;
        lock (_reported)
        {
            held = _held.Task;
            owed = _channels.Select((c, i) => c.BytesArrivedEver - _receivedBefore[i] > _reported[i]).Any(x => x);
        }
        if (owed)
        {
            try
            {
                await held.WaitAsync(timeout, _time, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                return false; // lockstep stopped (the target is shutting down and the node runs freely), or never held it
            }
        }
        return held.IsCompleted;
    }

    // The node's clock at the latest report that showed it had read more input, and its read counts then.
    private (long[] Read, TimeSpan? Uptime) _inputTaken = ([], null);
    private long[] _readSoFar = [];

    private void NoteInputTaken(ReadOnlySpan<long> read)
    {
        if (UptimeAddress is not uint address || read.SequenceEqual(_readSoFar)) return;
        _readSoFar = read.ToArray();
        ulong? ms;
        lock (_monitorLock) ms = _monitor?.ReadUInt64(address);
        _inputTaken = (_readSoFar, ms is ulong value ? TimeSpan.FromMilliseconds(value) : null);
    }

    /// <summary>
    /// The device time at which the node took in everything the harness has sent it so far: its clock at the sleep
    /// that followed its reading the last of it (the node acts on input before it sleeps again). Null without an
    /// uptime counter, or if the node does not read it all within <see cref="CatchUpTimeout"/>.
    /// </summary>
    public async ValueTask<TimeSpan?> TimeOfInputAsync()
    {
        if (UptimeAddress is null) return null;
        long[] sent = Enumerable.Range(0, _channels.Count).Select(Readable).ToArray();
        long start = _time.GetTimestamp();
        while (true)
        {
            Task next = _held.Task;
            (long[] read, TimeSpan? uptime) = _inputTaken;
            if (read.Length == sent.Length && sent.Select((s, i) => read[i] >= s).All(x => x)) return uptime;
            TimeSpan left = CatchUpTimeout - _time.GetElapsedTime(start);
            if (left <= TimeSpan.Zero) return null;
            // The next report (the current one may already be held: then wait for the one after it).
            try
            {
                if (next.IsCompleted) await Task.Delay(TimeSpan.FromMilliseconds(1), _time, _stopping.Token).ConfigureAwait(false);
                else await next.WaitAsync(left, _time, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                return null; // not read in time, or lockstep stopped
            }
        }
    }

    /// <summary>The firmware's millisecond uptime counter in RAM (a uint64), when its ELF names it: the node's clock.</summary>
    public uint? UptimeAddress { get; init; }

    /// <summary>Finds <paramref name="symbol"/> (8 bytes) in <paramref name="elf"/>; null if it is not there or the file cannot be read as an ELF.</summary>
    public static uint? FindUptimeCounter(string elf, string? symbol)
    {
        if (symbol is null) return null;
        try
        {
            return Gdb.ElfSymbols.Load(elf).TryGet(symbol, out Gdb.ElfSymbol found) && found.Size == 8 ? found.Address : null;
        }
        catch (InvalidDataException)
        {
            return null; // stripped, or not an ELF this reader knows
        }
    }

    /// <summary>The node's uptime counter, read from RAM on lockstep's monitor (asks the node nothing); null without one.</summary>
    public async Task<TimeSpan?> ReadUptimeAsync(CancellationToken cancellationToken = default)
    {
        if (UptimeAddress is not uint address) return null;
        await _monitorReady.Task.WaitAsync(CatchUpTimeout, cancellationToken).ConfigureAwait(false);
        ulong? ms = await Task.Run(() =>
        {
            try
            {
                lock (_monitorLock) return _monitor?.ReadUInt64(address);
            }
            catch (IOException)
            {
                return null; // QEMU went away (the target is stopping): the time cannot be told
            }
        }, cancellationToken).ConfigureAwait(false);
        return ms is ulong value ? TimeSpan.FromMilliseconds(value) : null;
    }

    /// <summary>
    /// For a device model reacting to the node's output: the device time at which the node wrote it (held before its
    /// next sleep, its counter says so, the same every run); null when that cannot be told.
    /// </summary>
    public async ValueTask<TimeSpan?> TimeOfOutputAsync()
    {
        if (UptimeAddress is null || !await HoldAfterOutputAsync(CatchUpTimeout).ConfigureAwait(false)) return null;
        return await ReadUptimeAsync().ConfigureAwait(false);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Never silent: the run goes on (a hung node gives no verdict at all), but its timing is no longer the harness's.
    private void Report(string fault)
    {
        _fault = fault;
        Console.Error.WriteLine($"hil: warning: {fault}");
    }

    private long[]? ParseReport(string line)
    {
        string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var counts = new long[2 * _channels.Count + 2]; // written to each UART, then read from each, then instructions and sleeps begun
        bool valid = fields.Length == counts.Length + 1 && fields[0] == "wfi";
        for (int i = 0; valid && i < counts.Length; i++)
            valid = long.TryParse(fields[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out counts[i]);
        if (valid) return counts;
        Report($"the QEMU lockstep plugin of target '{_targetName}' sent '{line}' (expected 'wfi' and {counts.Length} numbers)");
        return null;
    }

    private void WaitUntilCaughtUp(long[] counts)
    {
        for (int i = 0; i < _channels.Count; i++)
        {
            TargetChannel channel = _channels[i];
            long written = counts[i];
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
        _monitor?.Dispose();
        _listener.Dispose();
        _monitorListener.Dispose();
        if (_thread is { } thread && thread != Thread.CurrentThread) thread.Join(TimeSpan.FromSeconds(5));
        // _stopping is not disposed: device models may still ask for times as the target shuts down, and get null.
        File.Delete(SocketPath);
        File.Delete(MonitorPath);
    }
}
