using System.Net.Sockets;
using Hil.Harness.Channels;
using Hil.Harness.Clocks;
using Hil.Harness.Firmware;
using Hil.Harness.Node;
using Hil.Harness.Support;

namespace Hil.Harness.Targets.Qemu;

/// <summary>
/// The firmware ELF booted in QEMU. Every UART is a TCP chardev that connects to a loopback
/// listener of the harness (<c>nodelay=on</c>: without it each round trip costs ~44 ms of Nagle);
/// since QEMU connects before the machine starts, no boot output is lost. Reset, stop and quit go
/// through QMP. Virtual time is <c>-icount shift=0,align=off,sleep=off</c>, in lockstep with the harness
/// (<see cref="QemuLockstep"/>) unless <see cref="QemuTargetOptions.Lockstep"/> is off.
/// </summary>
public sealed class QemuTarget : ITarget
{
    private static readonly TimeSpan QuitGrace = TimeSpan.FromSeconds(3);
    // A QEMU that quits while starting drops its sockets first: how long its exit may take to be seen after that.
    private static readonly TimeSpan ExitNoticeGrace = TimeSpan.FromSeconds(1);
    private readonly QemuTargetOptions _options;
    private readonly ChannelSet _channels;
    private readonly WorkDirectory _workDirectory;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly WallClock _wallClock;
    private readonly IcountClock _icountClock;
    private readonly string _mac;
    private ManagedProcess? _process;
    private QmpClient? _qmp;
    private QemuLockstep? _lockstep;
    private uint? _uptimeAddress; // the firmware's millisecond counter in RAM, when its ELF names it

    public QemuTarget(QemuTargetOptions options)
    {
        _options = options;
        _channels = new ChannelSet(options.Name, options.ChannelNames, options.TimeProvider);
        _workDirectory = new WorkDirectory(options.WorkDirectory, options.Name);
        _wallClock = new WallClock(options.TimeProvider);
        _mac = options.Mac ?? NodeMac.Next();
        Func<ITarget, CancellationToken, Task<TimeSpan>> probe = options.DeviceTimeProbe ?? ReadDeviceTimeAsync;
        _icountClock = new IcountClock(ct => probe(this, ct), options.TimeProvider, TimeOfOutputAsync,
            () => _lockstep?.TimeOfInputAsync() ?? ValueTask.FromResult<TimeSpan?>(null),
            (duration, ct) => _lockstep?.AdvanceAsync(duration, ct) ?? Task.FromResult(false));
    }

    public string Name => _options.Name;
    public string Backend => "qemu";
    public TargetState State { get; private set; } = TargetState.Created;
    public IReadOnlyList<TargetChannel> Channels => _channels.All;
    public TargetChannel GetChannel(string name) => _channels[name];
    public ITargetClock Clock => _options.ClockMode == ClockMode.Virtual ? _icountClock : _wallClock;

    /// <summary>The QMP connection (null unless running).</summary>
    public QmpClient? Qmp => _qmp;

    public ManagedProcess? Process => _process;

    /// <summary>The lockstep with the harness (null unless running in virtual time with lockstep on).</summary>
    public QemuLockstep? Lockstep => _lockstep;

    /// <summary>The firmware ELF this target boots (its symbols locate buffers for the GDB fast paths).</summary>
    public string ElfPath => _options.ElfPath;

    /// <summary>The port of QEMU's GDB server on 127.0.0.1 (null unless <see cref="QemuTargetOptions.GdbServer"/>).</summary>
    public int? GdbPort { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (State == TargetState.Running) return;
            // QEMU is the GDB server: the harness can only pick a port that was free a moment ago,
            // so another process may take it first; QEMU then fails to bind and is started again.
            for (int attempt = 1; ; attempt++)
            {
                GdbPort = _options.GdbServer ? FreeLoopbackPort() : null;
                try
                {
                    await LaunchAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (TargetStartException e) when (GdbPort is not null && attempt < 3 && e.Message.Contains("Address already in use"))
                {
                }
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>QMP <c>system_reset</c>: the board resets as if its reset pin were pulled.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_qmp is null || _process is null) throw new InvalidOperationException($"Target '{Name}' is not running.");
            TargetChannel readyChannel = _channels[_options.ReadyChannel];
            foreach (TargetChannel channel in _channels.All) channel.BreakLine();
            long readyFrom = readyChannel.LineCount;
            await _qmp.ExecuteAsync("system_reset", cancellationToken: cancellationToken).ConfigureAwait(false);
            _lockstep?.ReleaseForReset(); // QEMU waits for a vCPU held past its grant before it resets it
            _wallClock.Restart();
            await ReadyLine.WaitAsync(readyChannel, _options.ReadyPattern, readyFrom, _options.StartTimeout, _process,
                _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ShutDownAsync().ConfigureAwait(false);
            if (State != TargetState.Failed) State = TargetState.Stopped;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        State = TargetState.Starting;
        string elf = FirmwareImages.RequireFile(_options.ElfPath, "firmware ELF");
        _uptimeAddress = QemuLockstep.FindUptimeCounter(elf, _options.UptimeSymbol);
        var uartListeners = _channels.All.Select(_ => new LoopbackListener()).ToArray();
        using var qmpListener = new LoopbackListener();
        try
        {
            var arguments = new List<string> { "-M", _options.Machine, "-display", "none", "-monitor", "none", "-kernel", elf };
            for (int i = 0; i < uartListeners.Length; i++)
            {
                arguments.AddRange(["-chardev", $"socket,id=uart{i},host=127.0.0.1,port={uartListeners[i].Port},nodelay=on"]);
                arguments.AddRange(["-serial", $"chardev:uart{i}"]);
            }
            arguments.AddRange(["-chardev", $"socket,id=qmp,host=127.0.0.1,port={qmpListener.Port},nodelay=on"]);
            arguments.AddRange(["-mon", "chardev=qmp,mode=control"]);
            if (_options.ClockMode == ClockMode.Virtual)
            {
                arguments.AddRange(["-icount", "shift=0,align=off,sleep=off"]);
                if (_options.Lockstep)
                {
                    _lockstep = new QemuLockstep(Name, _workDirectory.Path, _channels.All, _options.TimeProvider)
                    {
                        UptimeAddress = _uptimeAddress,
                        GrantsDeviceTime = _options.GrantDeviceTime,
                    };
                    arguments.AddRange(_lockstep.QemuArguments(_options.Uarts));
                }
            }
            if (_options.ProvisionIdentity) arguments.AddRange(BoardIdentity.LoaderArguments(_mac));
            if (GdbPort is int gdbPort) arguments.AddRange(["-gdb", $"tcp:127.0.0.1:{gdbPort}"]);
            arguments.AddRange(_options.ExtraArguments);

            long readyFrom = _channels[_options.ReadyChannel].LineCount;
            _process = ManagedProcess.Start(_options.QemuPath, arguments, _workDirectory.Path);
            _lockstep?.Start();
            for (int i = 0; i < uartListeners.Length; i++)
            {
                TargetChannel channel = _channels.All[i];
                NetworkStream stream = await uartListeners[i]
                    .AcceptAsync($"'{channel.Name}' UART", _process, _options.StartTimeout, _options.TimeProvider, cancellationToken)
                    .ConfigureAwait(false);
                await channel.AttachAsync(stream).ConfigureAwait(false);
            }
            NetworkStream qmpStream = await qmpListener
                .AcceptAsync("QMP", _process, _options.StartTimeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            _qmp = await QmpClient.ConnectAsync(qmpStream, Name, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            _wallClock.Restart();
            await ReadyLine.WaitAsync(_channels[_options.ReadyChannel], _options.ReadyPattern, readyFrom,
                _options.StartTimeout, _process, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            State = TargetState.Running;
        }
        catch (Exception e)
        {
            State = TargetState.Failed;
            // QEMU quit while starting (a -gdb port taken meanwhile, say): the socket it dropped is the symptom, its output the cause.
            TargetStartException? quit = e is not (TargetStartException or OperationCanceledException) && _process is { } process && await ExitedSoonAsync(process).ConfigureAwait(false)
                ? new TargetStartException($"QEMU stopped while the harness connected to it ({e.Message}). {process.Evidence()}", e)
                : null;
            await ShutDownAsync().ConfigureAwait(false);
            if (quit is not null) throw quit;
            throw;
        }
        finally
        {
            foreach (LoopbackListener listener in uartListeners) listener.Dispose();
        }
    }

    private async Task<bool> ExitedSoonAsync(ManagedProcess process)
    {
        await Task.WhenAny(process.Exited, Task.Delay(ExitNoticeGrace, _options.TimeProvider)).ConfigureAwait(false);
        return process.HasExited;
    }

    private async Task ShutDownAsync()
    {
        // First, so a node waiting for the harness before it sleeps runs freely to the quit.
        _lockstep?.Dispose();
        _lockstep = null;
        if (_qmp is not null)
        {
            try
            {
                await _qmp.ExecuteAsync("quit").ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException)
            {
                // QEMU closes the QMP socket as it quits, sometimes before the reply.
            }
            await _qmp.DisposeAsync().ConfigureAwait(false);
            _qmp = null;
        }
        await _channels.DetachAllAsync().ConfigureAwait(false);
        if (_process is null) return;
        await _process.StopAsync(QuitGrace).ConfigureAwait(false);
        await _process.DisposeAsync().ConfigureAwait(false);
        _process = null;
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>The node's clock: its uptime counter read from RAM through QMP (asks the node nothing), else its console.</summary>
    private async Task<TimeSpan> ReadDeviceTimeAsync(ITarget target, CancellationToken cancellationToken)
    {
        if (_uptimeAddress is uint address && _qmp is { } qmp)
            return TimeSpan.FromMilliseconds(await qmp.ReadUInt64Async(address, cancellationToken).ConfigureAwait(false));
        return await ReadUptimeFromConsoleAsync(target, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>In lockstep, the device time of what the node just wrote (see <see cref="QemuLockstep.TimeOfOutputAsync"/>).</summary>
    private ValueTask<TimeSpan?> TimeOfOutputAsync() => _lockstep?.TimeOfOutputAsync() ?? ValueTask.FromResult<TimeSpan?>(null);

    private static async Task<TimeSpan> ReadUptimeFromConsoleAsync(ITarget target, CancellationToken cancellationToken)
    {
        ConsoleReply reply = await new NodeConsole(target.GetChannel(ChannelNames.Console))
            .ExecuteOkAsync("uptime", cancellationToken: cancellationToken).ConfigureAwait(false);
        return TimeSpan.FromMilliseconds(reply.GetInt64("uptime_ms"));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _channels.DisposeAsync().ConfigureAwait(false);
        _workDirectory.Dispose();
        _lifecycle.Dispose();
    }
}
