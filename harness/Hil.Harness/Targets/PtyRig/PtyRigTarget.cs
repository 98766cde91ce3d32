using System.Net.Sockets;
using Hil.Harness.Channels;
using Hil.Harness.Clocks;
using Hil.Harness.Firmware;
using Hil.Harness.Node;
using Hil.Harness.Support;
using Hil.Harness.Targets.Qemu;
using Hil.Harness.Targets.Serial;

namespace Hil.Harness.Targets.PtyRig;

/// <summary>
/// The CI rig's "physical board": a native or QEMU node whose three UARTs are socat pty pairs,
/// talked to only through the <see cref="SerialTarget"/> (termios) on the harness ends — the code
/// path of a lab board on a USB-UART. Because the board is a process the rig starts, "flashing" is
/// starting it with the requested image, every start is a freshly erased board, and the clock is
/// the node's own virtual clock (native: its control socket; QEMU: -icount), so device-time
/// scenarios run as fast as on the emulated targets. Reset is the console's `reboot`, written to
/// the console device by a reset command, as a bench's `reset_command` would.
/// </summary>
public sealed class PtyRigTarget : ITarget
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);
    private readonly PtyRigTargetOptions _options;
    private readonly WorkDirectory _workDirectory;
    private readonly SerialTarget _serial;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly string _mac;
    private readonly List<PtyPair> _pairs = new();
    private ManagedProcess? _process;
    private NativeVirtualClock? _nativeClock;
    private QemuLockstep? _lockstep;
    private readonly IcountClock _icountClock;

    public PtyRigTarget(PtyRigTargetOptions options)
    {
        _options = options;
        _workDirectory = new WorkDirectory(options.WorkDirectory, options.Name);
        _mac = options.Mac ?? NodeMac.Next();
        _serial = new SerialTarget(new SerialTargetOptions
        {
            Name = options.Name, TimeProvider = options.TimeProvider, StartTimeout = options.StartTimeout,
            ChannelNames = options.ChannelNames, ReadyChannel = options.ReadyChannel, ReadyPattern = options.ReadyPattern,
            Devices = options.ChannelNames.ToDictionary(c => c, HarnessSide),
            Reset = SerialReset.Command, ResetCommand = "printf 'reboot\\n' > {device}",
            ResetOnStart = false, // the node boots as the ptys are wired: its banner waits in the pty
        });
        _icountClock = new IcountClock(ReadQemuUptimeAsync, options.TimeProvider,
            () => _lockstep?.TimeOfOutputAsync() ?? ValueTask.FromResult<TimeSpan?>(null),
            () => _lockstep?.TimeOfInputAsync() ?? ValueTask.FromResult<TimeSpan?>(null),
            (duration, ct) => _lockstep?.AdvanceAsync(duration, ct) ?? Task.FromResult(false));
    }

    public string Name => _options.Name;

    /// <summary>"serial": the harness sees the board only through its serial devices.</summary>
    public string Backend => _serial.Backend;

    public TargetState State => _serial.State;
    public IReadOnlyList<TargetChannel> Channels => _serial.Channels;
    public TargetChannel GetChannel(string name) => _serial.GetChannel(name);

    public ITargetClock Clock => _options.ClockMode == ClockMode.Wall ? _serial.Clock
        : _options.Node == PtyRigNode.Qemu ? _icountClock
        : (ITargetClock?)_nativeClock ?? throw new InvalidOperationException($"Target '{Name}' is not running: its virtual clock starts with it.");

    /// <summary>The serial device of a channel (the harness end of its pty pair).</summary>
    public string HarnessSide(string channel) => _workDirectory.File(channel + "-harness");

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (State == TargetState.Running) return;
            try
            {
                await WireAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException && _process is not null && e is not TargetStartException)
            {
                throw new TargetStartException($"The rig board '{Name}' ({_options.Node}) did not come up: {e.Message}\n{_process.Evidence()}", e);
            }
        }
        catch
        {
            await UnwireAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task WireAsync(CancellationToken cancellationToken)
    {
        string image = FirmwareImages.RequireFile(_options.Image, _options.Node == PtyRigNode.Native ? "native firmware executable" : "firmware ELF");
        foreach (string channel in _options.ChannelNames)
            _pairs.Add(await PtyPair.StartAsync(_workDirectory.Path, channel, cancellationToken).ConfigureAwait(false));
        using LoopbackListener? control = _options.ClockMode == ClockMode.Virtual && _options.Node == PtyRigNode.Native ? new LoopbackListener() : null;
        var arguments = new List<string>();
        if (_options.Node == PtyRigNode.Native)
        {
            for (int i = 0; i < _pairs.Count; i++) arguments.AddRange([$"--{_options.ChannelNames[i]}", $"path:{_pairs[i].BoardSide}"]);
            if (control is not null) arguments.AddRange(["--clock", "virtual", "--control", $"tcp:127.0.0.1:{control.Port}"]);
            arguments.AddRange(["--flash", _workDirectory.File("flash.bin"), "--mac", _mac]);
        }
        else
        {
            arguments.AddRange(["-M", "netduinoplus2", "-display", "none", "-monitor", "none", "-kernel", image]);
            for (int i = 0; i < _pairs.Count; i++) arguments.AddRange(["-chardev", $"serial,id=uart{i},path={_pairs[i].BoardSide}", "-serial", $"chardev:uart{i}"]);
            if (_options.ClockMode == ClockMode.Virtual)
            {
                arguments.AddRange(["-icount", "shift=0,align=off,sleep=off"]);
                // The serial channels the harness reads are the far ends of the ptys: lockstep waits for the bytes there.
                _lockstep = new QemuLockstep(Name, _workDirectory.Path, _serial.Channels, _options.TimeProvider)
                {
                    UptimeAddress = QemuLockstep.FindUptimeCounter(image, "s_millis"),
                    GrantsDeviceTime = _options.GrantDeviceTime,
                };
                arguments.AddRange(_lockstep.QemuArguments(QemuUart.Stm32F4));
            }
            arguments.AddRange(BoardIdentity.LoaderArguments(_mac));
        }
        _process = ManagedProcess.Start(_options.Node == PtyRigNode.Native ? image : _options.QemuPath, arguments, _workDirectory.Path);
        _lockstep?.Start();
        if (control is not null)
        {
            NetworkStream stream = await control.AcceptAsync("clock control", _process, _options.StartTimeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            _nativeClock = new NativeVirtualClock(Name, stream, _serial.Channels, _options.TimeProvider);
        }
        await _serial.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task ResetAsync(CancellationToken cancellationToken = default) => _serial.ResetAsync(cancellationToken);

    /// <summary>The QEMU board's clock: its uptime counter read on lockstep's monitor (no input to the node), else its console's `uptime`.</summary>
    private async Task<TimeSpan> ReadQemuUptimeAsync(CancellationToken cancellationToken)
    {
        if (_lockstep is { } lockstep && await lockstep.ReadUptimeAsync(cancellationToken).ConfigureAwait(false) is TimeSpan uptime) return uptime;
        ConsoleReply reply = await new NodeConsole(_serial.GetChannel(ChannelNames.Console)).ExecuteOkAsync("uptime", cancellationToken: cancellationToken).ConfigureAwait(false);
        return TimeSpan.FromMilliseconds(reply.GetInt64("uptime_ms"));
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await UnwireAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task UnwireAsync()
    {
        _lockstep?.Dispose();
        _lockstep = null;
        await _serial.StopAsync().ConfigureAwait(false);
        if (_nativeClock is not null) await _nativeClock.DisposeAsync().ConfigureAwait(false);
        _nativeClock = null;
        if (_process is not null)
        {
            await _process.StopAsync(StopGrace).ConfigureAwait(false);
            await _process.DisposeAsync().ConfigureAwait(false);
        }
        _process = null;
        foreach (PtyPair pair in _pairs) await pair.DisposeAsync().ConfigureAwait(false);
        _pairs.Clear();
        // socat leaves its links behind when it is killed.
        foreach (string channel in _options.ChannelNames)
        {
            File.Delete(HarnessSide(channel));
            File.Delete(_workDirectory.File(channel + "-board"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _serial.DisposeAsync().ConfigureAwait(false);
        _workDirectory.Dispose();
        _lifecycle.Dispose();
    }
}
