using Hil.Harness.Support;

namespace Hil.Harness.Targets.Renode;

/// <summary>
/// Renode's virtual time, granted by the harness in steps (<c>emulation RunFor</c>), shared by every
/// machine of one Renode (one emulation, one timeline). Between steps the emulation is paused and
/// nothing happens in it (RENODE.md), so the harness decides everything that happens at a step
/// boundary before the next step starts:
/// <list type="bullet">
/// <item>input the harness wrote is put into the UARTs through the monitor (<see cref="RenodeUartInput"/>),
/// at the device time the nodes stand at;</item>
/// <item>after a step, what each UART sent is read from its file backend (Renode writes it there as the
/// UART sends it) and handed to the channel, and the step ends only when the channels have taken it all
/// in, so the device models (the modem) have reacted and queued their replies.</item>
/// </list>
/// What happens therefore depends only on the firmware and the scenario, never on how fast the
/// harness or the machine is: a slow harness makes a run slower, not different. Steps are short
/// (1 ms) while the nodes talk and grow eightfold while they are quiet, up to <see cref="MaxStep"/>, which
/// bounds both how late a device model hears the first byte after a silence and the cost of a long
/// advance. Output is stamped with the end of the step it arrived in.
/// Input written while no advance is under way makes the timeline react on its own: it runs 1 ms
/// steps until a step passes with no output and no input, as a node answers a console command.
/// </summary>
internal sealed class RenodeTimeline(RenodeHost host)
{
    public static readonly TimeSpan MinStep = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// The emulation's global quantum on virtual time. A step still ends exactly where asked (RunFor ends within a
    /// quantum), and the harness's input never waits on Renode's timeline (it goes in through the monitor), so the
    /// quantum only paces Renode's own synchronisation and when a machine's own requests (a reset) take effect: a quiet
    /// second of three machines costs 33 ms of wall time at 100 ms, 59 ms at 10 ms, 171-222 ms at 1 ms (renode/README.md).
    /// </summary>
    public static readonly TimeSpan DefaultQuantum = TimeSpan.FromMilliseconds(100);

    /// <summary>The emulation's global quantum as the host set it (<see cref="RenodeHost.UseVirtualTimeAsync"/>).</summary>
    public TimeSpan Quantum { get; set; } = DefaultQuantum;
    public static readonly TimeSpan MaxStep = TimeSpan.FromSeconds(1);

    /// <summary>A node that keeps talking at every step is not followed forever without a grant (10 s of device time).</summary>
    private const int MaxSettleSteps = 10_000;

    private static readonly TimeSpan BarrierTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _steps = new(1, 1);
    private readonly object _gate = new();
    private readonly List<RenodeUartTap> _taps = new();
    private readonly HashSet<string> _machines = new(StringComparer.Ordinal);
    private bool _reactionPending;
    private bool _lastStepActive;
    private TimeSpan _lastQuietStepLength;
    private Exception? _fault;
    private TimeSpan _now;
    private TimeSpan _stepEnd;

    /// <summary>The emulation's virtual time at the end of the last step.</summary>
    public TimeSpan Now
    {
        get { lock (_gate) return _now; }
    }

    /// <summary>
    /// The device time of output arriving now, and of input written now (taken in at the next step's start):
    /// the end of the step under way, or the present between steps.
    /// </summary>
    public TimeSpan StepEnd
    {
        get { lock (_gate) return _stepEnd; }
    }

    /// <summary>Steps run so far (for tests and benchmarks).</summary>
    public long Steps { get; private set; }

    /// <summary>
    /// Builds a machine between steps and adds it to the timeline. Renode 1.16.1 aborts on <c>machine
    /// LoadPlatformDescription</c> for a machine created before an <c>emulation RunFor</c> (KeyNotFoundException,
    /// RENODE.md), so no step may run between its <c>mach create</c> and the end of its set-up.
    /// </summary>
    public async Task AddMachineAsync(Func<Task<(string Machine, IReadOnlyList<RenodeUartTap> Taps)>> setUp, CancellationToken cancellationToken)
    {
        await _steps.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            (string machine, IReadOnlyList<RenodeUartTap> taps) = await setUp().ConfigureAwait(false);
            lock (_gate)
            {
                _machines.Add(machine);
                _taps.AddRange(taps);
            }
        }
        finally
        {
            _steps.Release();
        }
    }

    /// <summary>
    /// Forgets a machine's UARTs and runs <paramref name="release"/> (the monitor commands that take it out of use)
    /// between steps. With no machine left the timeline stops stepping (Renode 1.16.1 crashes on <c>emulation RunFor</c>
    /// with no machine).
    /// </summary>
    public async Task RemoveMachineAsync(string machine, bool othersLive, Func<Task> release)
    {
        await _steps.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                _machines.Remove(machine);
                _taps.RemoveAll(t => t.Machine == machine);
                if (!othersLive) _machines.Clear();
            }
            await release().ConfigureAwait(false);
        }
        finally
        {
            _steps.Release();
        }
    }

    /// <summary>Runs <paramref name="action"/> between steps (a reset, a snapshot load).</summary>
    public async Task BetweenStepsAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        await _steps.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await action().ConfigureAwait(false);
        }
        finally
        {
            _steps.Release();
        }
    }

    /// <summary>The harness wrote to a UART: it goes in at the next step, and the timeline reacts if nothing else moves it.</summary>
    public void Input(RenodeUartTap tap, ReadOnlyMemory<byte> bytes)
    {
        tap.Queue(bytes.Span);
        lock (_gate)
        {
            if (_reactionPending) return;
            _reactionPending = true;
        }
        _ = Task.Run(ReactAsync);
    }

    /// <summary>
    /// Lives the present instant to its end (what the nodes still do on input already given), then lets
    /// <paramref name="duration"/> of virtual time pass and lives that instant to its end too (steps of
    /// <see cref="MinStep"/> while the nodes and the device models still talk). Measured from the settled present, so
    /// whether the harness asked while a reaction was still under way makes no difference.
    /// </summary>
    public async Task AdvanceAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        await _steps.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfFaulted();
            await SettleAsync(cancellationToken).ConfigureAwait(false);
            TimeSpan until = Now + duration;
            TimeSpan step = MinStep;
            while (Now < until)
            {
                TimeSpan length = until - Now < step ? until - Now : step;
                bool active = await StepAsync(length, cancellationToken).ConfigureAwait(false);
                step = Next(step, active);
            }
            await SettleAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _steps.Release();
        }
    }

    /// <summary>
    /// Steps (from <see cref="MinStep"/>, doubling while quiet) until <paramref name="done"/> holds after a step, then runs
    /// <paramref name="atDone"/> before any further step (what the nodes sent is taken in; what the device models answered
    /// is still queued). Nothing settles after: the next advance or reaction goes on from there.
    /// </summary>
    public async Task StepUntilAsync(Func<bool> done, TimeSpan wallLimit, Func<Task>? atDone, CancellationToken cancellationToken)
    {
        await _steps.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfFaulted();
            long start = TimeProvider.System.GetTimestamp();
            TimeSpan step = MinStep;
            while (!done())
            {
                if (TimeProvider.System.GetElapsedTime(start) > wallLimit) return; // the caller reports what it waited for
                bool active = await StepAsync(step, cancellationToken).ConfigureAwait(false);
                step = Next(step, active);
            }
            if (atDone is not null) await atDone().ConfigureAwait(false);
        }
        finally
        {
            _steps.Release();
        }
    }

    /// <summary>A machine's UARTs after a snapshot load (new file backends); called between steps.</summary>
    public void ReplaceTaps(string machine, IReadOnlyList<RenodeUartTap> taps)
    {
        lock (_gate)
        {
            _taps.RemoveAll(t => t.Machine == machine);
            _taps.AddRange(taps);
        }
    }

    /// <summary>The present, once what the nodes do on input already given is done.</summary>
    public async Task<TimeSpan> SettledNowAsync(CancellationToken cancellationToken)
    {
        await _steps.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfFaulted();
            await SettleAsync(cancellationToken).ConfigureAwait(false);
            return Now;
        }
        finally
        {
            _steps.Release();
        }
    }

    /// <summary>
    /// The next step: <see cref="MinStep"/> after one in which anything moved, else eight times longer up to
    /// <see cref="MaxStep"/> (1, 8, 64, 512 ms, 1 s: a step costs Renode ~10 ms of wall time per machine however short,
    /// so a silence is reached in four steps).
    /// </summary>
    private static TimeSpan Next(TimeSpan step, bool active) =>
        active ? MinStep : step * Growth < MaxStep ? step * Growth : MaxStep;

    private const int Growth = 8;

    /// <summary>What went wrong in a step the timeline ran on its own, for error messages.</summary>
    public string? Fault => _fault?.Message;

    private async Task ReactAsync()
    {
        await _steps.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_gate) _reactionPending = false;
            if (_fault is null) await SettleAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Nobody awaits this step: keep what went wrong for the next advance and the evidence.
            _fault = e;
        }
        finally
        {
            _steps.Release();
        }
    }

    /// <summary>
    /// Lives the present instant to its end: 1 ms steps while the nodes or the device models still talk, then one step of
    /// a whole <see cref="Quantum"/>, because Renode runs what a machine asks of itself (a reset after SYSRESETREQ, say)
    /// at the next quantum boundary: an instant is over only when a step across one was quiet too.
    /// </summary>
    private async Task SettleAsync(CancellationToken cancellationToken)
    {
        if (!_lastStepActive && !AnyInput()) return;
        for (int n = 0; n < MaxSettleSteps; n++)
        {
            bool active = await StepAsync(_lastStepActive || AnyInput() ? MinStep : Quantum, cancellationToken).ConfigureAwait(false);
            if (!active && _lastQuietStepLength >= Quantum) return;
        }
    }

    private bool AnyInput()
    {
        lock (_gate) return _taps.Any(t => t.HasInput);
    }

    /// <summary>One step: the queued input in, <paramref name="length"/> of virtual time, every byte sent received. True when anything moved.</summary>
    private async Task<bool> StepAsync(TimeSpan length, CancellationToken cancellationToken)
    {
        RenodeUartTap[] taps;
        lock (_gate)
        {
            if (_machines.Count == 0)
            {
                // Nothing to run (and RunFor would crash Renode 1.16.1): time stands still, input has nowhere to go.
                foreach (RenodeUartTap tap in _taps) tap.DropInput();
                _lastStepActive = false;
                return false;
            }
            taps = _taps.ToArray();
        }
        bool injected = false;
        foreach (RenodeUartTap tap in taps)
        {
            byte[] input = tap.TakeInput();
            if (input.Length == 0) continue;
            await host.ExecuteOnMachineAsync(tap.Machine, RenodeUartInput.Commands(tap.Uart, input), cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            injected = true;
        }
        lock (_gate) _stepEnd = _now + length;
        await host.RunForAsync(length, cancellationToken).ConfigureAwait(false);
        lock (_gate) _now = _stepEnd;
        Steps++;
        bool wrote = false;
        foreach (RenodeUartTap tap in taps)
        {
            // Every earlier byte has been received (the barrier of the step before): the channel's count is the base.
            long received = tap.Channel.BytesReceivedEver;
            int sent = tap.Pump();
            if (sent == 0) continue;
            wrote = true;
            await WaitReceivedAsync(tap, received + sent, cancellationToken).ConfigureAwait(false);
        }
        _lastStepActive = wrote || injected || AnyInput();
        _lastQuietStepLength = _lastStepActive ? TimeSpan.Zero : length;
        return _lastStepActive;
    }

    /// <summary>Until the channel has taken in (and its device models have reacted to) everything up to <paramref name="target"/>.</summary>
    internal static Task WaitReceivedAsync(RenodeUartTap tap, long target, CancellationToken cancellationToken) =>
        tap.Channel.WaitForAsync(c => c.BytesReceivedEver >= target || !c.IsConnected,
            $"the bytes {tap.Uart} of machine '{tap.Machine}' sent, per Renode's file backend (virtual time step)",
            BarrierTimeout, cancellationToken);

    private void ThrowIfFaulted()
    {
        if (_fault is Exception fault)
            throw new InvalidOperationException($"Renode's virtual time stopped in a step the harness ran by itself: {fault.Message}", fault);
    }
}
