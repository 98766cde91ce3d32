using Hil.Harness.Support;

namespace Hil.Harness.Targets.Qemu;

/// <summary>
/// Device time granted step by step, as the native target's clock does: the node may sleep only as far as the harness
/// has let time pass (<see cref="AdvanceAsync"/>). At every sleep the plugin reports, the harness reads the node's
/// uptime counter and its SysTick (the wrap that ends the sleep) on lockstep's monitor; a sleep that would end past the
/// grant waits before its WFI until the harness grants more, sends input (the node takes it in at the time it stands
/// at, as on native) or lets it go for a stop QEMU itself needs (a reset). Without this an idle node ran freely between
/// steps, so input the harness started itself (a console command) landed at whatever device time the node had reached.
/// </summary>
public sealed partial class QemuLockstep
{
    // SysTick's registers (ARMv7-M, architectural): CSR, RVR, CVR at consecutive words.
    private const ulong SysTickCsr = 0xE000_E010;
    private const uint CsrEnable = 1u << 0, CsrTickInt = 1u << 1, CsrProcessorClock = 1u << 2;
    // How often a held node checks that QEMU's main loop still answers (it does not while it waits for the vCPU to stop).
    private static readonly TimeSpan LivenessInterval = TimeSpan.FromSeconds(1);
    // A node whose clock has not moved for this long (wall) while the harness waits for it to reach its grant has hung.
    private static readonly TimeSpan ProgressWindow = TimeSpan.FromSeconds(60);

    private readonly object _grantGate = new();
    private readonly ChangeSignal _grantChanged = new();
    private readonly ChangeSignal _parkedChanged = new();
    private long _grantMs;              // device time (ms, running on across reboots) up to which the node may sleep
    private long _nodeMs;               // the node's clock at its latest report, on that same scale
    private long _parkedAtGrant = -1;   // the grant the node is held beyond with nothing owed; -1 while it is not
    private bool _releaseHeld;          // let the held node go once (a reset QEMU performs needs the vCPU)
    private int _runningFreely;         // scopes in which the grant is not enforced (a debugger session)
    private bool _ended;
    private ulong _lastMillis;
    private long _millisOffset;         // the node's counter restarts at 0 on a reboot; device time does not
    private long _readAtInstructions = -1; // instructions begun when the node's clock was last read
    private long _sleepsSinceRead;         // sleeps let go since then without reading it
    private long _grantHolds;
    private long _stopReleases;

    /// <summary>Whether device time is granted (<see cref="AdvanceAsync"/>); otherwise an idle node runs freely.</summary>
    public bool GrantsDeviceTime { get; init; }

    /// <summary>SysTick's rate when it counts the processor clock (CSR.CLKSOURCE = 1): the STM32F4 under QEMU, 168 MHz.</summary>
    public long ProcessorClockHz { get; init; } = 168_000_000;

    /// <summary>SysTick's rate on the external reference clock (CSR.CLKSOURCE = 0): the STM32F4's HCLK/8.</summary>
    public long ReferenceClockHz { get; init; } = 21_000_000;

    /// <summary>Sleeps that waited for the harness to grant device time.</summary>
    public long GrantHolds => Interlocked.Read(ref _grantHolds);

    /// <summary>Held sleeps let go because QEMU's main loop stopped answering (it waited for the vCPU: a reset, a debugger).</summary>
    public long StopReleases => Interlocked.Read(ref _stopReleases);

    private bool Granting => GrantsDeviceTime && UptimeAddress is not null && _monitor is not null;

    /// <summary>
    /// Lets <paramref name="duration"/> of device time pass from where the harness last granted (or from the node's
    /// clock, if it ran further, freely), and returns when the node is held at a sleep that would end beyond it with
    /// nothing owed: everything the node does up to that time is done, however fast the harness is. False when this
    /// lockstep does not grant time (no uptime counter, or the plugin never greeted): the caller lets time pass its way.
    /// </summary>
    public async Task<bool> AdvanceAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        if (!GrantsDeviceTime || UptimeAddress is null) return false;
        await _monitorReady.Task.WaitAsync(CatchUpTimeout, cancellationToken).ConfigureAwait(false);
        long target;
        lock (_grantGate)
        {
            if (_ended || _monitor is null) return false;
            target = Math.Max(_grantMs, _nodeMs) + (long)Math.Ceiling(duration.TotalMilliseconds);
            _grantMs = target;
        }
        _grantChanged.Notify();
        using WaitMeter.Scope waiting = WaitMeter.Waiting();
        long lastReports = -1, lastProgress = _time.GetTimestamp();
        while (true)
        {
            Task next = _parkedChanged.NextChange;
            long node;
            lock (_grantGate)
            {
                if (_parkedAtGrant >= target) return true;
                if (_ended) return false;
                node = _nodeMs;
            }
            long reports = SleepsReported;
            if (reports != lastReports)
            {
                lastReports = reports;
                lastProgress = _time.GetTimestamp();
            }
            else if (_time.GetElapsedTime(lastProgress) > ProgressWindow)
            {
                throw new TimeoutException(
                    $"Target '{_targetName}': the node has not slept for {ProgressWindow.TotalSeconds:0} s (wall) while the harness granted it device time up to {target} ms; its clock was last read at {node} ms (QEMU lockstep).");
            }
            try
            {
                await next.WaitAsync(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // re-check progress
            }
        }
    }

    /// <summary>
    /// Lets a node held past its grant go once, for a stop QEMU performs itself (QMP <c>system_reset</c>): QEMU waits
    /// for the vCPU before it resets it, and a node about to be reset may sleep as long as it likes.
    /// </summary>
    public void ReleaseForReset()
    {
        lock (_grantGate)
        {
            if (_parkedAtGrant < 0) return;
            _releaseHeld = true;
        }
        _grantChanged.Notify();
    }

    /// <summary>
    /// While the scope lasts the node sleeps as it likes (a debugger attaching makes QEMU wait for the vCPU, and the
    /// audio fast path continues it between blocks); the next grant starts from wherever its clock got to.
    /// </summary>
    public IDisposable RunFreely()
    {
        Interlocked.Increment(ref _runningFreely);
        _grantChanged.Notify();
        return new FreeRun(this);
    }

    private sealed class FreeRun(QemuLockstep lockstep) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref lockstep._runningFreely);
        }
    }

    /// <summary>
    /// Before the sleep the node reported (nothing owed to it, no input waiting): lets it happen if it ends within the
    /// grant, else holds it until the harness grants more, sends input, or lets it go.
    /// </summary>
    private void HoldWithinGrant(long[] read, long instructions)
    {
        if (!Granting || Volatile.Read(ref _runningFreely) > 0) return;
        if (SurelyWithinGrant(instructions)) return;
        if (ReadSleepEnd(instructions) is not long wake) return; // QEMU's main loop did not answer: it waits for this vCPU to stop
        bool counted = false;
        try
        {
            while (true)
            {
                // Taken before the checks, so a change between them and the wait is not missed.
                Task[] changes = [_grantChanged.NextChange, .. _channels.Select(c => c.NextChange)];
                if (_stopping.IsCancellationRequested || Volatile.Read(ref _runningFreely) > 0) return;
                if (InputPending(read))
                {
                    WaitUntilNextByteHandedOver(read);
                    return;
                }
                lock (_grantGate)
                {
                    if (_releaseHeld)
                    {
                        _releaseHeld = false;
                        return;
                    }
                    if (wake <= _grantMs) return;
                    _parkedAtGrant = _grantMs;
                }
                _parkedChanged.Notify();
                if (!counted)
                {
                    counted = true;
                    Interlocked.Increment(ref _grantHolds);
                }
                if (Task.WaitAny(changes, (int)LivenessInterval.TotalMilliseconds, _stopping.Token) >= 0) continue;
                bool answers;
                lock (_monitorLock) answers = _monitor!.Answers();
                if (answers) continue;
                Interlocked.Increment(ref _stopReleases);
                return;
            }
        }
        finally
        {
            bool wasParked;
            lock (_grantGate)
            {
                wasParked = _parkedAtGrant >= 0;
                _parkedAtGrant = -1;
            }
            if (wasParked) _parkedChanged.Notify();
        }
    }

    /// <summary>
    /// The device time (ms) at which the sleep about to begin ends: the node's uptime plus what SysTick has left to its
    /// wrap, rounded up to whole milliseconds (the reference firmware ends every sleep at a millisecond boundary; for
    /// another firmware the estimate is the same every run, which is what keeps the run deterministic). Also updates the
    /// node's clock for <see cref="AdvanceAsync"/>. Null when QEMU does not answer.
    /// </summary>
    /// <summary>
    /// Whether this sleep ends within the grant even if every sleep since the last read of the node's clock was as long as
    /// SysTick can make one and every instruction begun since took its nanosecond: then the clock is not read (the
    /// decision is the one the read would give, so the run is the same, only faster).
    /// </summary>
    private bool SurelyWithinGrant(long instructions)
    {
        lock (_grantGate)
        {
            if (_readAtInstructions < 0) return false;
            long workMs = (instructions - _readAtInstructions + 999_999) / 1_000_000;
            long bound = _nodeMs + 1 + workMs + (_sleepsSinceRead + 1) * LongestSleepMs;
            if (bound > _grantMs) return false;
            _sleepsSinceRead++;
            return true;
        }
    }

    // SysTick's 24-bit counter at the slower of its two clocks.
    private long LongestSleepMs => ((1L << 24) * 1000 + Math.Min(ProcessorClockHz, ReferenceClockHz) - 1) / Math.Min(ProcessorClockHz, ReferenceClockHz);

    private long? ReadSleepEnd(long instructions)
    {
        ulong? millis;
        uint[]? sysTick;
        lock (_monitorLock)
        {
            millis = _monitor!.ReadUInt64(UptimeAddress!.Value);
            sysTick = millis is null ? null : _monitor.ReadWords(SysTickCsr, 3);
        }
        if (millis is not ulong ms || sysTick is not [uint csr, uint reload, uint current]) return null;
        long node;
        lock (_grantGate)
        {
            if (ms < _lastMillis) _millisOffset += (long)_lastMillis; // rebooted: the counter started again from 0
            _lastMillis = ms;
            node = _nodeMs = _millisOffset + (long)ms;
            _readAtInstructions = instructions;
            _sleepsSinceRead = 0;
        }
        if ((csr & (CsrEnable | CsrTickInt)) != (CsrEnable | CsrTickInt)) return long.MaxValue; // only input wakes it
        long hz = (csr & CsrProcessorClock) != 0 ? ProcessorClockHz : ReferenceClockHz;
        // The counter interrupts when it reaches 0; at 0 it reloads on the next clock and counts the reload value down.
        long cycles = current != 0 ? current : (long)reload + 1;
        return node + (cycles * 1000 + hz - 1) / hz;
    }
}
