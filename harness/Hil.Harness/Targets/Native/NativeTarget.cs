using System.Net.Sockets;
using Hil.Harness.Channels;
using Hil.Harness.Clocks;
using Hil.Harness.Firmware;
using Hil.Harness.Support;

namespace Hil.Harness.Targets.Native;

/// <summary>
/// The firmware compiled for the host and run as a Linux process (like Zephyr's native_sim).
/// The harness listens on a loopback port per channel and the firmware connects to each
/// (<c>--console tcp:127.0.0.1:PORT</c> ...). A reset is a power cycle: the process is restarted
/// with the same flash file; a firmware update is the same restart with another executable.
/// </summary>
public sealed class NativeTarget : ITarget, IFirmwareUpdatable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(3);
    private readonly NativeTargetOptions _options;
    private readonly ChannelSet _channels;
    private readonly WorkDirectory _workDirectory;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly WallClock _wallClock;
    private readonly string _mac;
    private string _executablePath;
    private ManagedProcess? _process;
    private NativeVirtualClock? _virtualClock;

    public NativeTarget(NativeTargetOptions options)
    {
        _options = options;
        _channels = new ChannelSet(options.Name, options.ChannelNames, options.TimeProvider);
        _workDirectory = new WorkDirectory(options.WorkDirectory, options.Name);
        _wallClock = new WallClock(options.TimeProvider);
        _mac = options.Mac ?? NodeMac.Next();
        _executablePath = options.ExecutablePath;
    }

    public string Name => _options.Name;
    public string Backend => "native";
    public TargetState State { get; private set; } = TargetState.Created;
    public IReadOnlyList<TargetChannel> Channels => _channels.All;
    public TargetChannel GetChannel(string name) => _channels[name];

    public ITargetClock Clock => (ITargetClock?)_virtualClock ?? _wallClock;

    /// <summary>The firmware's process, for evidence (null before start).</summary>
    public ManagedProcess? Process => _process;

    public string FlashPath => _options.FlashPath ?? _workDirectory.File("flash.bin");

    /// <summary>The executable the process runs (changed by <see cref="UpdateFirmwareAsync"/>).</summary>
    public string ExecutablePath => _executablePath;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (State == TargetState.Running) return;
            await LaunchAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ShutDownAsync(graceful: false).ConfigureAwait(false);
            await LaunchAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>The process is stopped and started from <paramref name="image"/> with the same flash file and MAC.</summary>
    public async Task UpdateFirmwareAsync(string image, CancellationToken cancellationToken = default)
    {
        FirmwareImages.RequireFile(image, "native firmware executable");
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ShutDownAsync(graceful: true).ConfigureAwait(false);
            _executablePath = image;
            await LaunchAsync(cancellationToken).ConfigureAwait(false);
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
            await ShutDownAsync(graceful: true).ConfigureAwait(false);
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
        string executable = FirmwareImages.RequireFile(_executablePath, "native firmware executable");
        var listeners = _channels.All.ToDictionary(c => c.Name, _ => new LoopbackListener());
        LoopbackListener? controlListener = _options.ClockMode == ClockMode.Virtual ? new LoopbackListener() : null;
        try
        {
            var arguments = new List<string>();
            foreach (TargetChannel channel in _channels.All)
                arguments.AddRange([$"--{channel.Name}", $"tcp:127.0.0.1:{listeners[channel.Name].Port}"]);
            if (controlListener is not null)
                arguments.AddRange(["--clock", "virtual", "--control", $"tcp:127.0.0.1:{controlListener.Port}"]);
            arguments.AddRange(["--flash", FlashPath, "--mac", _mac]);
            arguments.AddRange(_options.ExtraArguments);

            long readyFrom = _channels[_options.ReadyChannel].LineCount;
            _process = ManagedProcess.Start(executable, arguments, _workDirectory.Path);
            // On the virtual clock the node runs only when stepped: it must not preempt the harness handing it the step.
            // An optimisation only: if it is refused (or the node already quit, which the start reports), nothing else changes.
            if (controlListener is not null) BatchScheduling.TryApply(_process.Id);
            foreach (TargetChannel channel in _channels.All)
            {
                NetworkStream stream = await listeners[channel.Name]
                    .AcceptAsync($"'{channel.Name}' channel", _process, _options.StartTimeout, _options.TimeProvider, cancellationToken)
                    .ConfigureAwait(false);
                await channel.AttachAsync(stream).ConfigureAwait(false);
            }
            if (controlListener is not null)
            {
                NetworkStream control = await controlListener
                    .AcceptAsync("clock control", _process, _options.StartTimeout, _options.TimeProvider, cancellationToken)
                    .ConfigureAwait(false);
                _virtualClock = new NativeVirtualClock(Name, control, _channels.All, _options.TimeProvider);
            }
            _wallClock.Restart();
            await ReadyLine.WaitAsync(_channels[_options.ReadyChannel], _options.ReadyPattern, readyFrom,
                _options.StartTimeout, _process, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            State = TargetState.Running;
        }
        catch
        {
            State = TargetState.Failed;
            await ShutDownAsync(graceful: false).ConfigureAwait(false);
            throw;
        }
        finally
        {
            foreach (LoopbackListener listener in listeners.Values) listener.Dispose();
            controlListener?.Dispose();
        }
    }

    /// <summary>Closing the console tells the firmware to exit (power off); it is killed if it lingers.</summary>
    private async Task ShutDownAsync(bool graceful)
    {
        await _channels.DetachAllAsync().ConfigureAwait(false);
        if (_virtualClock is not null)
        {
            await _virtualClock.DisposeAsync().ConfigureAwait(false);
            _virtualClock = null;
        }
        if (_process is null) return;
        if (graceful) await _process.StopAsync(StopGrace).ConfigureAwait(false);
        await _process.DisposeAsync().ConfigureAwait(false);
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _channels.DisposeAsync().ConfigureAwait(false);
        _workDirectory.Dispose();
        _lifecycle.Dispose();
    }
}
