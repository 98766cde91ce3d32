using System.Globalization;
using System.Net.Sockets;
using Hil.Harness.Channels;
using Hil.Harness.Clocks;
using Hil.Harness.Firmware;
using Hil.Harness.Support;

namespace Hil.Harness.Targets.Renode;

/// <summary>
/// The firmware ELF on a machine of the run's shared Renode (<see cref="RenodeHost"/>): one machine
/// per target, the platform and the ELF loaded into it, each UART connected to a server socket
/// terminal on a free port to which the matching channel connects before the machine starts, so
/// no boot output is lost. Wall mode runs the emulation freely (<c>start</c>); virtual mode moves
/// it only in steps the harness grants (<see cref="RenodeTimeline"/>), with each UART's output
/// counted by a file backend and the harness's input put in through the monitor between steps.
/// </summary>
public sealed class RenodeTarget : ITarget
{
    private readonly RenodeTargetOptions _options;
    private readonly ChannelSet _channels;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly WallClock _wallClock;
    private readonly string _mac;
    private readonly Dictionary<string, int> _terminalPorts = new(StringComparer.Ordinal);
    private readonly List<RenodeUartTap> _taps = new();
    private RenodeHost? _host;
    private RenodeClock? _virtualClock;

    public RenodeTarget(RenodeTargetOptions options)
    {
        if (options.Uarts.Count < options.ChannelNames.Count)
            throw new ArgumentException($"Target '{options.Name}' names {options.ChannelNames.Count} channels but only {options.Uarts.Count} UARTs.", nameof(options));
        _options = options;
        _channels = new ChannelSet(options.Name, options.ChannelNames, options.TimeProvider);
        _wallClock = new WallClock(options.TimeProvider);
        _mac = options.Mac ?? NodeMac.Next();
    }

    public string Name => _options.Name;
    public string Backend => "renode";
    public TargetState State { get; private set; } = TargetState.Created;
    public IReadOnlyList<TargetChannel> Channels => _channels.All;
    public TargetChannel GetChannel(string name) => _channels[name];
    public ITargetClock Clock => (ITargetClock?)_virtualClock ?? _wallClock;

    /// <summary>The machine's name in Renode (the target's name, made unique within the Renode).</summary>
    public string? MachineName { get; private set; }

    public RenodeHost? Host => _host;

    /// <summary>The firmware ELF the machine runs (its symbols locate the staged-audio buffer).</summary>
    public string ElfPath => _options.ElfPath;

    /// <summary>
    /// Runs monitor commands on this target's machine; on virtual time between two steps, so what they read or write
    /// is at the device time the node stands at.
    /// </summary>
    public async Task<IReadOnlyList<RenodeResult>> ExecuteOnMachineAsync(IReadOnlyList<string> commands, CancellationToken cancellationToken = default)
    {
        RenodeHost host = RequireRunning();
        if (_virtualClock is null) return await host.ExecuteOnMachineAsync(MachineName!, commands, cancellationToken: cancellationToken).ConfigureAwait(false);
        IReadOnlyList<RenodeResult> results = [];
        await host.Timeline.BetweenStepsAsync(async () =>
            results = await host.ExecuteOnMachineAsync(MachineName!, commands, cancellationToken: cancellationToken).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return results;
    }

    /// <summary>The server socket terminal port of each channel, for a developer to attach to by hand (wall time only: on virtual time the harness reads the UARTs' file backends).</summary>
    public IReadOnlyDictionary<string, int> TerminalPorts => _terminalPorts;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (State == TargetState.Running) return;
            State = TargetState.Starting;
            try
            {
                await LaunchAsync(cancellationToken).ConfigureAwait(false);
                State = TargetState.Running;
            }
            catch
            {
                State = TargetState.Failed;
                await RemoveMachineAsync().ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary><c>machine Reset</c> with the emulation paused; the ELF and identity are reloaded before it runs again.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RenodeHost host = RequireRunning();
            foreach (TargetChannel channel in _channels.All) channel.BreakLine();
            long readyFrom = _channels[_options.ReadyChannel].LineCount;
            var commands = new List<string> { "machine Reset" };
            commands.AddRange(LoadCommands());
            if (_virtualClock is not null)
            {
                await host.Timeline.BetweenStepsAsync(
                    () => host.ExecuteOnMachineAsync(MachineName!, commands, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await host.ExecuteOnMachineAsync(MachineName!, ["pause", .. commands, "start"], cancellationToken: cancellationToken).ConfigureAwait(false);
                _wallClock.Restart();
            }
            await WaitReadyAsync(host, readyFrom, atReady: null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Saves the whole emulation (this machine and any other in the same Renode).</summary>
    public Task SaveSnapshotAsync(string path, CancellationToken cancellationToken = default) =>
        RequireRunning().SaveAsync(path, cancellationToken);

    /// <summary>Restores a snapshot: the machines come back in the state saved (booted, configured), no ready line.</summary>
    public Task LoadSnapshotAsync(string path, CancellationToken cancellationToken = default) =>
        RequireRunning().LoadAsync(path, cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RemoveMachineAsync().ConfigureAwait(false);
            if (State != TargetState.Failed && State != TargetState.Created) State = TargetState.Stopped;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        // Renode reports a missing ELF as "Parameters did not match the signature" (RENODE.md): say it plainly first.
        string elf = Path.GetFullPath(FirmwareImages.RequireFile(_options.ElfPath, "firmware ELF"));
        string platform = Path.GetFullPath(FirmwareImages.RequireFile(_options.PlatformPath, "Renode platform description"));
        bool virtualTime = _options.ClockMode == ClockMode.Virtual;
        _host = _options.Host ?? await RenodeHost.GetSharedAsync(_options.HostOptions, cancellationToken).ConfigureAwait(false);
        if (virtualTime) await _host.UseVirtualTimeAsync(_options.Quantum ?? RenodeTimeline.DefaultQuantum, cancellationToken).ConfigureAwait(false);
        RenodeHost host = _host;
        long readyFrom = _channels[_options.ReadyChannel].LineCount;
        if (!virtualTime)
        {
            await SetUpMachineAsync(host, elf, platform, virtualTime: false, cancellationToken).ConfigureAwait(false);
            await host.StartMachineAsync(MachineName!, cancellationToken).ConfigureAwait(false);
            _wallClock.Restart();
            await WaitReadyAsync(host, readyFrom, atReady: null, cancellationToken).ConfigureAwait(false);
            return;
        }
        var key = new RenodeHost.SnapshotKey(platform, elf, _options.ProvisionIdentity ? _mac : "", string.Join(",", _options.Uarts));
        RenodeHost.BootedSnapshot? snapshot = null;
        await host.Timeline.AddMachineAsync(async () =>
        {
            snapshot = _options.StartFromSnapshot ? await host.TryLoadBootedAsync(key, cancellationToken).ConfigureAwait(false) : null;
            // The clock first: the device models stamp what the node sent (a snapshot's replay too) with it.
            _virtualClock = new RenodeClock(host.Timeline, snapshot?.Uptime ?? TimeSpan.Zero);
            if (snapshot is null) await SetUpMachineAsync(host, elf, platform, virtualTime: true, cancellationToken).ConfigureAwait(false);
            else await AttachToLoadedAsync(host, snapshot, elf, cancellationToken).ConfigureAwait(false);
            return (MachineName!, _taps);
        }, cancellationToken).ConfigureAwait(false);
        // A loaded node's ready line was replayed already. A booted one is stepped up to the step that shows it, and no
        // further: there (between steps, the device models' answers to what the node sent still queued) the machine is
        // saved for the next scenarios' nodes of this image and identity.
        RenodeClock clock = _virtualClock!;
        await WaitReadyAsync(host, readyFrom,
            snapshot is null && _options.StartFromSnapshot ? () => host.SaveBootedAsync(key, MachineName!, _taps, clock, cancellationToken) : null,
            cancellationToken).ConfigureAwait(false);
    }

    private bool ReadyLineSince(long fromLine) => _channels[_options.ReadyChannel].LinesSince(fromLine).Any(_options.ReadyPattern.IsMatch);

    /// <summary>
    /// The machine, its platform, image and identity, and its UARTs wired: on wall time a server socket terminal per
    /// channel, connected; on virtual time a file backend per UART, read by the timeline after each step.
    /// </summary>
    private async Task SetUpMachineAsync(RenodeHost host, string elf, string platform, bool virtualTime, CancellationToken cancellationToken)
    {
        MachineName = await host.CreateMachineAsync(Name, cancellationToken).ConfigureAwait(false);
        host.Register(this);
        var commands = new List<string> { $"machine LoadPlatformDescription @{platform}" };
        commands.AddRange(LoadCommands(elf));
        // A reset the firmware asks for (SYSRESETREQ) runs the machine's "reset" macro, and nothing else puts the image
        // back: without it the CPU restarts at address 0 and the node never comes back (Renode logs "No action for reset").
        commands.Add($"macro reset \"sysbus LoadELF @{elf}\"");
        if (!virtualTime && _options.Quantum is TimeSpan quantum) commands.Add($"emulation SetGlobalQuantum \"{RenodeHost.Seconds(quantum)}\"");
        commands.AddRange(UartCommands(host, virtualTime));
        await host.ExecuteOnMachineAsync(MachineName, commands, cancellationToken: cancellationToken).ConfigureAwait(false);
        await ConnectChannelsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A machine loaded from a booted snapshot (<see cref="RenodeHost.TryLoadBootedAsync"/>): its macro and file backends
    /// again (Renode saves neither), then what its UARTs had sent by the snapshot handed to the channels, so the device
    /// models hear it as they would from a fresh boot and answer it at the next step.
    /// </summary>
    private async Task AttachToLoadedAsync(RenodeHost host, RenodeHost.BootedSnapshot snapshot, string elf, CancellationToken cancellationToken)
    {
        MachineName = snapshot.Machine;
        host.Register(this);
        var commands = new List<string> { $"macro reset \"sysbus LoadELF @{elf}\"" };
        commands.AddRange(UartCommands(host, virtualTime: true));
        await host.ExecuteOnMachineAsync(MachineName, commands, cancellationToken: cancellationToken).ConfigureAwait(false);
        await ConnectChannelsAsync(cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < _taps.Count; i++)
        {
            long received = _taps[i].Channel.BytesReceivedEver;
            _taps[i].Stream!.Deliver(snapshot.Sent[i]);
            await RenodeTimeline.WaitReceivedAsync(_taps[i], received + snapshot.Sent[i].Length, cancellationToken).ConfigureAwait(false);
        }
    }

    private IEnumerable<string> UartCommands(RenodeHost host, bool virtualTime)
    {
        _terminalPorts.Clear();
        foreach (RenodeUartTap old in _taps) old.Close();
        _taps.Clear();
        for (int i = 0; i < _channels.All.Count; i++)
        {
            TargetChannel channel = _channels.All[i];
            if (virtualTime)
            {
                var tap = new RenodeUartTap(MachineName!, _options.Uarts[i], channel, host.CounterFile(MachineName!, channel.Name));
                _taps.Add(tap);
                yield return $"{tap.Uart} CreateFileBackend @{tap.CounterFile} true";
                continue;
            }
            int port = RenodeHost.FreeLoopbackPort();
            _terminalPorts[channel.Name] = port;
            yield return $"emulation CreateServerSocketTerminal {port} \"{TerminalName(channel.Name)}\" false";
            yield return $"connector Connect {_options.Uarts[i]} {TerminalName(channel.Name)}";
        }
    }

    private IEnumerable<string> LoadCommands(string? elf = null)
    {
        yield return $"sysbus LoadELF @{elf ?? Path.GetFullPath(_options.ElfPath)}";
        if (!_options.ProvisionIdentity) yield break;
        foreach ((uint address, uint value) in IdentityWords(_mac))
            yield return string.Create(CultureInfo.InvariantCulture, $"sysbus WriteDoubleWord 0x{address:x8} 0x{value:x8}");
    }

    /// <summary>The identity record of firmware/README.md: "MAC1", the MAC, ones' complement of its byte sum.</summary>
    internal static IEnumerable<(uint Address, uint Value)> IdentityWords(string mac)
    {
        byte[] bytes = NodeMac.Parse(mac);
        ushort check = (ushort)~bytes.Sum(b => b);
        yield return (0x2000_0000, 0x3143_414D);
        yield return (0x2000_0004, BitConverter.ToUInt32(bytes, 0));
        yield return (0x2000_0008, (uint)(bytes[4] | bytes[5] << 8 | check << 16));
    }

    private string TerminalName(string channel) => $"{MachineName}-{channel}";

    /// <summary>After a snapshot is loaded: the machine's reset macro, terminals or file backends again (Renode saves none of them), the channels attached to them.</summary>
    internal async Task ReattachAfterLoadAsync(CancellationToken cancellationToken)
    {
        if (State != TargetState.Running || _host is null || MachineName is null) return;
        await _channels.DetachAllAsync().ConfigureAwait(false);
        var commands = new List<string> { $"macro reset \"sysbus LoadELF @{Path.GetFullPath(_options.ElfPath)}\"" };
        commands.AddRange(UartCommands(_host, _virtualClock is not null));
        await _host.ExecuteOnMachineAsync(MachineName, commands, cancellationToken: cancellationToken).ConfigureAwait(false);
        await ConnectChannelsAsync(cancellationToken).ConfigureAwait(false);
        if (_virtualClock is not null) _host.Timeline.ReplaceTaps(MachineName, _taps);
    }

    private async Task ConnectChannelsAsync(CancellationToken cancellationToken)
    {
        for (int i = 0; i < _channels.All.Count; i++)
        {
            TargetChannel channel = _channels.All[i];
            if (_taps.Count > 0)
            {
                RenodeUartTap tap = _taps[i];
                RenodeTimeline timeline = _host!.Timeline;
                tap.Stream = new RenodeUartStream(bytes => timeline.Input(tap, bytes));
                await channel.AttachAsync(tap.Stream).ConfigureAwait(false);
                continue;
            }
            int port = _terminalPorts[channel.Name];
            NetworkStream stream = await Poll.UntilAsync(ct => TryConnectAsync(port, ct), s => s is not null,
                $"Renode's server socket terminal for '{channel.Name}' of target '{Name}' on 127.0.0.1:{port}",
                TimeSpan.FromSeconds(10), _options.TimeProvider, cancellationToken: cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException("unreachable: Poll returns a connected stream");
            await channel.AttachAsync(stream).ConfigureAwait(false);
        }
    }

    private static async Task<NetworkStream?> TryConnectAsync(int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync("127.0.0.1", port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>The ready line on the ready channel; in virtual mode time is let pass step by step meanwhile.</summary>
    /// <summary>
    /// The ready line on the ready channel. On virtual time the timeline steps until it shows (and runs
    /// <paramref name="atReady"/> right there, between steps); on wall time the emulation runs by itself meanwhile.
    /// </summary>
    private async Task WaitReadyAsync(RenodeHost host, long fromLine, Func<Task>? atReady, CancellationToken cancellationToken)
    {
        TargetChannel channel = _channels[_options.ReadyChannel];
        TimeProvider time = _options.TimeProvider;
        long start = time.GetTimestamp();
        if (_virtualClock is not null)
            await host.Timeline.StepUntilAsync(() => ReadyLineSince(fromLine), _options.StartTimeout, atReady, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            Task next = channel.NextChange;
            if (ReadyLineSince(fromLine)) return;
            TimeSpan remaining = _options.StartTimeout - time.GetElapsedTime(start);
            if (host.Process is { HasExited: true } || remaining <= TimeSpan.Zero || _virtualClock is not null)
            {
                throw new TargetStartException(
                    $"Target '{Name}' (Renode machine '{MachineName}') was not ready. " +
                    channel.TimeoutError($"the ready line /{_options.ReadyPattern}/", time.GetElapsedTime(start)).Message + "\n" + host.Evidence());
            }
            try
            {
                await next.WaitAsync(remaining, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Checked (and reported with evidence) at the top of the loop.
            }
        }
    }

    private RenodeHost RequireRunning() =>
        State == TargetState.Running && _host is not null ? _host : throw new InvalidOperationException($"Target '{Name}' is not running.");

    private async Task RemoveMachineAsync()
    {
        await _channels.DetachAllAsync().ConfigureAwait(false);
        if (_host is null || MachineName is null) return;
        _host.Unregister(this);
        try
        {
            await _host.ReleaseMachineAsync(MachineName, _options.Cpu, _virtualClock is not null).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or ObjectDisposedException)
        {
            // Renode already gone or refusing: the machine goes with it; nothing more to release here.
        }
        foreach (RenodeUartTap tap in _taps)
        {
            tap.Close();
            File.Delete(tap.CounterFile);
        }
        _taps.Clear();
        MachineName = null;
        _virtualClock = null;
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await StopAsync().ConfigureAwait(false);
        await _channels.DisposeAsync().ConfigureAwait(false);
        _lifecycle.Dispose();
    }
}
