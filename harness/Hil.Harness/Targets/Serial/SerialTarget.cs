using Hil.Harness.Channels;
using Hil.Harness.Clocks;
using Hil.Harness.Support;

namespace Hil.Harness.Targets.Serial;

/// <summary>
/// A physical board: each of its UARTs is a serial device (<see cref="SerialPort"/>, termios),
/// mapped to a channel. Flashing and resetting go through configured commands or the DTR/RTS
/// lines; their output is kept as evidence. A device that vanishes and comes back (USB
/// re-enumeration) is reopened and the gap recorded in <see cref="Gaps"/>. Time is wall time.
/// </summary>
public sealed class SerialTarget : ITarget
{
    private readonly SerialTargetOptions _options;
    private readonly ChannelSet _channels;
    private readonly WallClock _clock;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly List<SerialGap> _gaps = new();
    private readonly List<string> _commandLog = new();
    private readonly Dictionary<string, SerialPort> _ports = new(StringComparer.Ordinal);
    private CancellationTokenSource _supervision = new();
    private Task[] _supervisors = [];

    public SerialTarget(SerialTargetOptions options)
    {
        foreach (string channel in options.Devices.Keys)
            if (!options.ChannelNames.Contains(channel))
                throw new ArgumentException($"Target '{options.Name}' maps a device to unknown channel '{channel}' (channels: {string.Join(", ", options.ChannelNames)}).", nameof(options));
        if (!options.Devices.ContainsKey(options.ReadyChannel))
            throw new ArgumentException($"Target '{options.Name}' needs a serial device for its '{options.ReadyChannel}' channel.", nameof(options));
        if (options.Reset == SerialReset.Command && string.IsNullOrWhiteSpace(options.ResetCommand))
            throw new ArgumentException($"Target '{options.Name}' resets by command but has no reset command.", nameof(options));
        _options = options;
        _channels = new ChannelSet(options.Name, options.ChannelNames, options.TimeProvider);
        _clock = new WallClock(options.TimeProvider);
    }

    public string Name => _options.Name;
    public string Backend => "serial";
    public TargetState State { get; private set; } = TargetState.Created;
    public ITargetClock Clock => _clock;
    public IReadOnlyList<TargetChannel> Channels => _channels.All;
    public TargetChannel GetChannel(string name) => _channels[name];

    /// <summary>Times a device was gone and came back.</summary>
    public IReadOnlyList<SerialGap> Gaps { get { lock (_gaps) return _gaps.ToArray(); } }

    /// <summary>Output of the flash and reset commands run so far (evidence).</summary>
    public IReadOnlyList<string> CommandLog { get { lock (_commandLog) return _commandLog.ToArray(); } }

    /// <summary>The open port behind a channel (for its modem lines), while running.</summary>
    public SerialPort? GetPort(string channel) { lock (_ports) return _ports.GetValueOrDefault(channel); }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (State == TargetState.Running) return;
            State = TargetState.Starting;
            if (_options.FlashCommand is not null)
                await RunCommandAsync("flash", _options.FlashCommand, _options.FlashTimeout, cancellationToken).ConfigureAwait(false);
            long seenBefore = _channels[_options.ReadyChannel].LineCount;
            foreach ((string channel, string device) in _options.Devices)
                await AttachAsync(channel, SerialPort.Open(device, _options.BaudRate, _options.HardwareFlowControl)).ConfigureAwait(false);
            _supervision = new CancellationTokenSource();
            _supervisors = _options.Devices.Select(d => SuperviseAsync(d.Key, d.Value, _supervision.Token)).ToArray();
            bool reset = _options.ResetOnStart ?? _options.Reset != SerialReset.None;
            // Without a reset the board's banner may already wait in the device: count it from before opening.
            await BootAsync(reset, reset ? null : seenBefore, cancellationToken).ConfigureAwait(false);
            State = TargetState.Running;
        }
        catch
        {
            State = TargetState.Failed;
            await CloseAsync().ConfigureAwait(false);
            throw;
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
            if (State != TargetState.Running) throw new InvalidOperationException($"Target '{Name}' is not running.");
            if (_options.Reset == SerialReset.None)
                throw new InvalidOperationException($"Target '{Name}' has no way to reset its board: configure a DTR/RTS pulse or a reset command.");
            await BootAsync(reset: true, null, cancellationToken).ConfigureAwait(false);
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
            await CloseAsync().ConfigureAwait(false);
            if (State is not TargetState.Failed and not TargetState.Created) State = TargetState.Stopped;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task BootAsync(bool reset, long? seenBefore, CancellationToken cancellationToken)
    {
        TargetChannel ready = _channels[_options.ReadyChannel];
        foreach (TargetChannel channel in _channels.All) channel.BreakLine();
        long fromLine = seenBefore ?? ready.LineCount;
        if (reset)
        {
            GetPort(_options.ReadyChannel)?.DiscardInput(); // what the board said before its reset is not its boot
            await PerformResetAsync(cancellationToken).ConfigureAwait(false);
        }
        _clock.Restart();
        string how = reset ? "after its reset" : "(the target does not reset the board: it must boot now, or set a reset method)";
        try
        {
            await ready.WaitForAsync(c => c.LinesSince(fromLine).Any(_options.ReadyPattern.IsMatch),
                $"the ready line /{_options.ReadyPattern}/ {how}", _options.StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelTimeoutException e)
        {
            throw new TargetStartException($"Board '{Name}' on {_options.Devices[_options.ReadyChannel]} was not ready. {e.Message}{Evidence()}", e);
        }
    }

    private async Task PerformResetAsync(CancellationToken cancellationToken)
    {
        SerialPort? console = GetPort(_options.ReadyChannel);
        switch (_options.Reset)
        {
            case SerialReset.DtrPulse or SerialReset.RtsPulse when console is not null:
                Action<bool> line = _options.Reset == SerialReset.DtrPulse ? console.SetDtr : console.SetRts;
                line(true);
                await Task.Delay(_options.ResetPulse, _options.TimeProvider, cancellationToken).ConfigureAwait(false); // the pulse's width is the point
                line(false);
                break;
            case SerialReset.Command:
                await RunCommandAsync("reset", _options.ResetCommand!, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private async Task RunCommandAsync(string what, string template, TimeSpan timeout, CancellationToken cancellationToken)
    {
        string command = template.Replace("{firmware}", _options.FirmwareImage ?? "", StringComparison.Ordinal)
            .Replace("{device}", _options.Devices[_options.ReadyChannel], StringComparison.Ordinal);
        await using ManagedProcess process = ManagedProcess.Start("/bin/sh", ["-c", command]);
        try
        {
            await process.Exited.WaitAsync(timeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            process.Kill();
        }
        await process.Exited.ConfigureAwait(false);
        lock (_commandLog)
        {
            _commandLog.Add($"$ {command}   (exit {process.ExitCode})");
            _commandLog.AddRange(process.OutputTail().Select(l => "  " + l));
        }
        if (process.ExitCode != 0)
            throw new TargetStartException($"The {what} command of board '{Name}' failed. {process.Evidence()}");
    }

    private async Task AttachAsync(string channel, SerialPort port)
    {
        lock (_ports) _ports[channel] = port;
        await _channels[channel].AttachAsync(port).ConfigureAwait(false);
    }

    /// <summary>Waits for the channel's device to fail, then for it to come back, and reopens it.</summary>
    private async Task SuperviseAsync(string channelName, string device, CancellationToken cancellationToken)
    {
        TargetChannel channel = _channels[channelName];
        TimeProvider time = _options.TimeProvider;
        try
        {
            while (true)
            {
                while (!channel.IsClosed) await channel.NextChange.WaitAsync(cancellationToken).ConfigureAwait(false);
                DateTimeOffset lostAt = time.GetUtcNow();
                long lost = time.GetTimestamp();
                SerialPort? reopened = null;
                try
                {
                    // The device node's return is observable only by trying it.
                    reopened = await Poll.UntilAsync(_ => Task.FromResult(TryOpen(device)), p => p is not null,
                        $"serial device '{device}' of board '{Name}' to come back", _options.ReopenTimeout, time,
                        TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    State = TargetState.Failed;
                    return;
                }
                await AttachAsync(channelName, reopened!).ConfigureAwait(false);
                lock (_gaps) _gaps.Add(new SerialGap(channelName, device, lostAt, time.GetElapsedTime(lost)));
            }
        }
        catch (OperationCanceledException) { }
    }

    private SerialPort? TryOpen(string device)
    {
        try
        {
            return SerialPort.Open(device, _options.BaudRate, _options.HardwareFlowControl);
        }
        catch (IOException)
        {
            return null; // FileNotFoundException is an IOException: not back yet
        }
    }

    private string Evidence()
    {
        var parts = new List<string>();
        if (Gaps.Count > 0) parts.Add("Device gaps: " + string.Join("; ", Gaps));
        if (CommandLog.Count > 0) parts.Add("Commands:\n  | " + string.Join("\n  | ", CommandLog.TakeLast(20)));
        return parts.Count == 0 ? "" : "\n" + string.Join("\n", parts);
    }

    private async Task CloseAsync()
    {
        _supervision.Cancel();
        await Task.WhenAll(_supervisors).ConfigureAwait(false);
        await _channels.DetachAllAsync().ConfigureAwait(false);
        lock (_ports) _ports.Clear();
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await StopAsync().ConfigureAwait(false);
        await _channels.DisposeAsync().ConfigureAwait(false);
        _supervision.Dispose();
        _lifecycle.Dispose();
    }
}
