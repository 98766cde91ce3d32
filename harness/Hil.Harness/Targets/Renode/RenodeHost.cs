using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hil.Harness.Support;

namespace Hil.Harness.Targets.Renode;

/// <summary>
/// One Renode and its monitor, shared by every renode target of a run: Renode takes seconds and
/// ~380 MiB to start (RENODE.md), so the harness starts it once, headless, with its monitor on a
/// free port, and creates one machine per node in it. Machine-scoped commands are preceded by
/// <c>mach set</c> when another machine is selected. Renode's own log (its stdout) is the evidence
/// attached to errors. <see cref="AttachAsync"/> uses a Renode started by someone else instead.
/// </summary>
public sealed class RenodeHost : IAsyncDisposable
{
    private static readonly SemaphoreSlim s_sharedGate = new(1, 1);
    private static RenodeHost? s_shared;
    private readonly SemaphoreSlim _session = new(1, 1);
    private readonly HashSet<string> _machineNames = new(StringComparer.Ordinal);
    private readonly List<RenodeTarget> _targets = new();
    private readonly string _address;
    private readonly int _port;
    private readonly HashSet<string> _started = new(StringComparer.Ordinal);
    private readonly HashSet<string> _live = new(StringComparer.Ordinal);
    private readonly WorkDirectory _files = new(null, "renode-host");
    private RenodeMonitor _monitor;
    private string? _selectedMachine;
    private bool _virtualTimeSet;
    private int _counterFiles;
    private bool _disposed;

    private RenodeHost(RenodeMonitor monitor, string address, int port, ManagedProcess? process, TimeProvider timeProvider)
    {
        _monitor = monitor;
        _address = address;
        _port = port;
        Process = process;
        TimeProvider = timeProvider;
        Timeline = new RenodeTimeline(this);
    }

    /// <summary>The emulation's virtual time, which the virtual-time targets of this Renode share.</summary>
    internal RenodeTimeline Timeline { get; }

    /// <summary>The Renode process (null when attached to one started elsewhere).</summary>
    public ManagedProcess? Process { get; }

    public TimeProvider TimeProvider { get; }

    public int MonitorPort => _port;

    /// <summary>The Renode of this test run or CLI invocation: started on first use, quit at process exit.</summary>
    public static async Task<RenodeHost> GetSharedAsync(RenodeHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        await s_sharedGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (s_shared is { _disposed: false, Process.HasExited: false }) return s_shared;
            s_shared = await StartAsync(options ?? new RenodeHostOptions(), cancellationToken).ConfigureAwait(false);
            RenodeHost started = s_shared;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => started.Process?.Kill();
            return started;
        }
        finally
        {
            s_sharedGate.Release();
        }
    }

    /// <summary>Starts Renode headless with its monitor on a free port and connects to it.</summary>
    public static async Task<RenodeHost> StartAsync(RenodeHostOptions options, CancellationToken cancellationToken = default)
    {
        string renode = options.RenodePath ?? throw new FileNotFoundException(RenodeHostOptions.NotInstalled);
        int port = FreeLoopbackPort();
        var arguments = new List<string> { "--disable-gui", "--port", port.ToString(CultureInfo.InvariantCulture) };
        if (options.Plain) arguments.Add("--plain");
        arguments.AddRange(options.ExtraArguments);
        ManagedProcess process = ManagedProcess.Start(renode, arguments);
        try
        {
            RenodeMonitor monitor = await ConnectWhenListeningAsync("127.0.0.1", port, process, options.StartTimeout,
                options.TimeProvider, cancellationToken).ConfigureAwait(false);
            return new RenodeHost(monitor, "127.0.0.1", port, process, options.TimeProvider);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Uses a Renode already running with its monitor at <paramref name="address"/>:<paramref name="port"/>.</summary>
    public static async Task<RenodeHost> AttachAsync(string address, int port, TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        TimeProvider time = timeProvider ?? TimeProvider.System;
        RenodeMonitor monitor = await RenodeMonitor.ConnectAsync(address, port, time, cancellationToken).ConfigureAwait(false);
        return new RenodeHost(monitor, address, port, null, time);
    }

    /// <summary>Runs a command that concerns no particular machine.</summary>
    public async Task<RenodeResult> ExecuteAsync(string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await _session.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunAsync(command, timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _session.Release();
        }
    }

    /// <summary>Runs <paramref name="commands"/> in order with <paramref name="machine"/> selected, without interleaving.</summary>
    public async Task<IReadOnlyList<RenodeResult>> ExecuteOnMachineAsync(string machine, IEnumerable<string> commands,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await _session.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_selectedMachine != machine) await RunAsync($"mach set \"{machine}\"", null, cancellationToken).ConfigureAwait(false);
            var results = new List<RenodeResult>();
            foreach (string command in commands) results.Add(await RunAsync(command, timeout, cancellationToken).ConfigureAwait(false));
            return results;
        }
        finally
        {
            _session.Release();
        }
    }

    /// <summary>Creates a machine named after <paramref name="wanted"/>, unique in this Renode, and selects it.</summary>
    public async Task<string> CreateMachineAsync(string wanted, CancellationToken cancellationToken = default)
    {
        await _session.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string name = wanted;
            for (int n = 2; !_machineNames.Add(name); n++) name = $"{wanted}-{n}";
            await RunAsync($"mach create \"{name}\"", null, cancellationToken).ConfigureAwait(false);
            lock (_started) _live.Add(name);
            return name;
        }
        finally
        {
            _session.Release();
        }
    }

    /// <summary>
    /// Sets the emulation up for the harness's steps, once: idle time skipped (the nodes sleep in WFI between events,
    /// and Renode otherwise waits it out in real time) and the global quantum (<see cref="RenodeTimeline.DefaultQuantum"/>).
    /// </summary>
    internal async Task UseVirtualTimeAsync(TimeSpan quantum, CancellationToken cancellationToken)
    {
        if (_virtualTimeSet) return;
        await ExecuteAsync("emulation SetAdvanceImmediately true", null, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync($"emulation SetGlobalQuantum \"{Seconds(quantum)}\"", null, cancellationToken).ConfigureAwait(false);
        Timeline.Quantum = quantum;
        _virtualTimeSet = true;
    }

    /// <summary>
    /// A new file for a UART's file backend. Under the harness's own temporary folder: Renode deletes every
    /// <c>/tmp/renode-*</c> folder that is not a live Renode's whenever one starts or exits (RENODE.md).
    /// </summary>
    internal string CounterFile(string machine, string channel) =>
        _files.File($"{machine}-{channel}-{Interlocked.Increment(ref _counterFiles)}.bin");

    /// <summary>What makes two nodes' booted states the same: platform, image, identity and UART wiring.</summary>
    internal sealed record SnapshotKey(string Platform, string Elf, string Mac, string Uarts);

    /// <summary>A machine saved at its ready line, with what each UART had sent by then and the device time it had lived.</summary>
    internal sealed record BootedSnapshot(string Path, string Machine, byte[][] Sent, TimeSpan Uptime);

    private readonly Dictionary<SnapshotKey, BootedSnapshot> _booted = new();

    /// <summary>
    /// Replaces an empty emulation by the booted snapshot saved for <paramref name="key"/> (<see cref="SaveBootedAsync"/>) and
    /// selects its machine; null when there is none, or machines live that a load would destroy. A snapshot keeps the
    /// emulation's settings, not its externals (terminals, file backends) nor the machine's macros.
    /// </summary>
    internal async Task<BootedSnapshot?> TryLoadBootedAsync(SnapshotKey key, CancellationToken cancellationToken)
    {
        BootedSnapshot? snapshot;
        lock (_started)
        {
            if (_live.Count > 0 || !_booted.TryGetValue(key, out snapshot)) return null;
            _live.Add(snapshot.Machine);
        }
        await ExecuteAsync($"Load @{snapshot.Path}", null, cancellationToken).ConfigureAwait(false);
        await ExecuteOnMachineAsync(snapshot.Machine, [], cancellationToken: cancellationToken).ConfigureAwait(false);
        SnapshotLoads++;
        return snapshot;
    }

    /// <summary>
    /// Saves the emulation for the next nodes of <paramref name="key"/>: only when it holds this one machine and nothing
    /// has been put into its UARTs yet (what it sent can then be replayed to new device models as from a fresh boot).
    /// Called between steps, at the ready line.
    /// </summary>
    internal async Task SaveBootedAsync(SnapshotKey key, string machine, IReadOnlyList<RenodeUartTap> taps, RenodeClock clock,
        CancellationToken cancellationToken)
    {
        lock (_started)
            if (_live.Count != 1 || _booted.ContainsKey(key) || taps.Any(t => t.Injected > 0)) return;
        string path = _files.File($"booted-{Interlocked.Increment(ref _counterFiles)}.save");
        await ExecuteAsync($"Save @{path}", null, cancellationToken).ConfigureAwait(false);
        lock (_started) _booted[key] = new BootedSnapshot(path, machine, taps.Select(t => t.SentSoFar()).ToArray(), clock.Lived);
    }

    /// <summary>Machines started from a booted snapshot so far (for tests and benchmarks).</summary>
    public int SnapshotLoads { get; private set; }

    /// <summary>Lets a wall-clock machine run (<c>start</c>).</summary>
    internal async Task StartMachineAsync(string machine, CancellationToken cancellationToken)
    {
        await ExecuteOnMachineAsync(machine, ["start"], cancellationToken: cancellationToken).ConfigureAwait(false);
        lock (_started) _started.Add(machine);
    }

    /// <summary>
    /// Takes a machine out of use. Renode 1.16.1 is not safe with <c>mach rem</c>: it crashes when the emulation runs, and
    /// about one time in ten on the next <c>emulation RunFor</c> after a machine that ran was removed (segmentation fault,
    /// RENODE.md). So a machine is never removed: while others live it is halted (its CPU stops executing), and when the
    /// last one goes the whole emulation is cleared (<c>Clear</c>, never seen to crash), which the next target starts afresh.
    /// </summary>
    internal async Task ReleaseMachineAsync(string machine, string cpu, bool virtualTime)
    {
        bool othersLive;
        lock (_started)
        {
            _started.Remove(machine);
            _live.Remove(machine);
            othersLive = _live.Count > 0;
        }
        if (virtualTime)
        {
            await Timeline.RemoveMachineAsync(machine, othersLive, () => othersLive ? HaltAsync(machine, cpu) : ClearAsync()).ConfigureAwait(false);
            return;
        }
        bool othersRun;
        lock (_started) othersRun = _started.Count > 0;
        await ExecuteAsync("pause").ConfigureAwait(false);
        if (!othersLive)
        {
            await ClearAsync().ConfigureAwait(false);
            return;
        }
        await HaltAsync(machine, cpu).ConfigureAwait(false);
        if (othersRun) await ExecuteAsync("start").ConfigureAwait(false);
    }

    private async Task HaltAsync(string machine, string cpu)
    {
        try
        {
            await ExecuteOnMachineAsync(machine, [$"{cpu} IsHalted true"]).ConfigureAwait(false);
        }
        catch (RenodeCommandException)
        {
            // A platform whose CPU has another name: the machine runs on unobserved until the emulation is cleared.
        }
    }

    /// <summary><c>Clear</c>: a new, empty emulation (its settings too, so virtual time is set up again when next used).</summary>
    private async Task ClearAsync()
    {
        await ExecuteAsync("Clear").ConfigureAwait(false);
        _virtualTimeSet = false;
    }

    /// <summary>Lets <paramref name="duration"/> of virtual time pass for every machine (<c>emulation RunFor</c>).</summary>
    public Task RunForAsync(TimeSpan duration, CancellationToken cancellationToken = default) =>
        ExecuteAsync($"emulation RunFor \"{Seconds(duration)}\"", TimeSpan.FromSeconds(30) + duration * 20, cancellationToken);

    /// <summary>Saves the whole emulation (every machine) to <paramref name="path"/>.</summary>
    public Task SaveAsync(string path, CancellationToken cancellationToken = default) =>
        ExecuteAsync($"Save @{Path.GetFullPath(path)}", null, cancellationToken);

    /// <summary>
    /// Replaces the emulation by the snapshot in <paramref name="path"/>. Renode does not save its externals, so every
    /// target gets new terminals (and file backends) and its channels connect to them; a wall-clock emulation is started
    /// again. On virtual time all of it happens between two steps.
    /// </summary>
    public async Task LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        string full = Path.GetFullPath(path);
        RenodeTarget[] targets;
        lock (_targets) targets = _targets.ToArray();
        async Task ReloadAsync()
        {
            await ExecuteAsync($"Load @{full}", null, cancellationToken).ConfigureAwait(false);
            foreach (RenodeTarget target in targets) await target.ReattachAfterLoadAsync(cancellationToken).ConfigureAwait(false);
        }
        if (targets.Any(t => t.Clock.Mode == Clocks.ClockMode.Virtual))
        {
            await Timeline.BetweenStepsAsync(ReloadAsync, cancellationToken).ConfigureAwait(false);
            return;
        }
        await ReloadAsync().ConfigureAwait(false);
        bool started;
        lock (_started) started = _started.Count > 0;
        if (started) await ExecuteAsync("start", null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the monitor connection and opens a new one; Renode keeps its machines.</summary>
    public async Task ReconnectAsync(CancellationToken cancellationToken = default)
    {
        await _session.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _monitor.DisposeAsync().ConfigureAwait(false);
            _monitor = await RenodeMonitor.ConnectAsync(_address, _port, TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _session.Release();
        }
    }

    /// <summary>Renode's own output (its log) and the monitor's last words, for error messages.</summary>
    public string Evidence()
    {
        string process = Process is null ? $"Renode attached at {_address}:{_port}." : "Renode: " + Process.Evidence();
        return process + "\nMonitor transcript tail: " + RenodeMonitor.Visible(_monitor.TranscriptTail);
    }

    internal void Register(RenodeTarget target)
    {
        lock (_targets) _targets.Add(target);
    }

    internal void Unregister(RenodeTarget target)
    {
        lock (_targets) _targets.Remove(target);
    }

    private async Task<RenodeResult> RunAsync(string command, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Process is { HasExited: true })
            throw new InvalidOperationException($"Renode is gone; cannot run '{command}'. {Process.Evidence()}");
        RenodeResult result;
        try
        {
            result = await _monitor.ExecuteAsync(command, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e) when (Process is not null)
        {
            // The monitor closes when Renode dies (1.16.1 crashes on some sequences, RENODE.md): its log says why.
            await Task.WhenAny(Process.Exited, Task.Delay(TimeSpan.FromSeconds(2), TimeProvider, cancellationToken)).ConfigureAwait(false);
            throw new IOException($"{e.Message} Renode: {Process.Evidence()}", e);
        }
        // The prompt names the selected machine: "mach ...", "Load" and "Clear" change it.
        _selectedMachine = _monitor.PromptName is "monitor" or null ? null : _monitor.PromptName;
        return result;
    }

    internal static string Seconds(TimeSpan duration) =>
        duration.TotalSeconds.ToString("0.0#######", CultureInfo.InvariantCulture);

    internal static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task<RenodeMonitor> ConnectWhenListeningAsync(string address, int port, ManagedProcess process,
        TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        long start = timeProvider.GetTimestamp();
        SocketException? last = null;
        while (timeProvider.GetElapsedTime(start) < timeout)
        {
            if (process.HasExited)
                throw new TargetStartException($"Renode exited before its monitor listened on port {port}. {process.Evidence()}");
            try
            {
                return await RenodeMonitor.ConnectAsync(address, port, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                last = e;
            }
            // Nothing tells when a port starts listening but trying it; Renode needs ~1.4 s.
            await Task.WhenAny(process.Exited, Task.Delay(TimeSpan.FromMilliseconds(50), timeProvider, cancellationToken)).ConfigureAwait(false);
        }
        throw new TargetStartException(
            $"Renode's monitor did not listen on {address}:{port} within {timeout.TotalSeconds:0.#} s ({last?.Message}). {process.Evidence()}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        if (Process is not null)
        {
            await _monitor.QuitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await Process.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await Process.DisposeAsync().ConfigureAwait(false);
        }
        _disposed = true;
        await _monitor.DisposeAsync().ConfigureAwait(false);
        _files.Dispose();
    }
}
