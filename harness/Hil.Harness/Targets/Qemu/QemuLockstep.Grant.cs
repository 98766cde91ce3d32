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
    // A node that neither reports a sleep nor moves its clock for this long (wall) while the harness waits for it to reach
    // its grant has hung.
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
    // The last sleep whose end was read exactly: its end (ms), the instructions begun and the sleeps begun by then.
    private long _boundEndMs, _boundInstructions = -1, _boundSleep;
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
        // The node's clock now: below the grant while it is enforced (then the grant counts), beyond it after the node
        // ran freely (a debugger session): time passes from there.
        TimeSpan? uptime = await ReadUptimeAsync(cancellationToken).ConfigureAwait(false);
        long target;
        lock (_grantGate)
        {
            if (_ended || _monitor is null) return false;
            long node = _millisOffset + (long)(uptime?.TotalMilliseconds ?? 0);
            target = Math.Max(_grantMs, node) + (long)Math.Ceiling(duration.TotalMilliseconds);
            _grantMs = target;
        }
        _grantChanged.Notify();
        using WaitMeter.Scope waiting = WaitMeter.Waiting();
        long lastReports = -1, lastProgress = _time.GetTimestamp();
        TimeSpan? lastUptime = uptime;
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
            // Progress: a report, or else (sleeps the plugin lets begin unreported) the node's clock read from RAM.
            long reports = SleepsReported;
            TimeSpan? now = reports == lastReports ? await ReadUptimeAsync(cancellationToken).ConfigureAwait(false) : lastUptime;
            if (reports != lastReports || now != lastUptime)
            {
                lastReports = reports;
                lastUptime = now;
                lastProgress = _time.GetTimestamp();
            }
            else if (_time.GetElapsedTime(lastProgress) > ProgressWindow)
            {
                throw new TimeoutException(
                    $"Target '{_targetName}': for {ProgressWindow.TotalSeconds:0} s (wall) the node neither reported a sleep nor moved its clock ({lastUptime?.TotalMilliseconds} ms) while the harness granted it device time up to {target} ms (QEMU lockstep; its clock at the last exact read: {node} ms).");
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

    private const string Go = "go\n";

    /// <summary>
    /// Before the sleep the node reported (nothing owed to it, no input waiting): lets it happen if it ends within the
    /// grant, else holds it until the harness grants more, sends input, or lets it go. Returns the answer for the plugin:
    /// "go", or "go N I" when the coming sleeps surely end within the grant too (they need no report).
    /// </summary>
    private string HoldWithinGrant(long[] read, long instructions, long sleep)
    {
        if (!Granting) return Go;
        if (Volatile.Read(ref _runningFreely) > 0)
        {
            ForgetBound();
            return Go;
        }
        if (BoundOfSleepEnd(instructions, sleep) is long bound) return Allowance(bound, instructions);
        // QEMU's main loop did not answer: it waits for this vCPU to stop.
        if (ReadSleepEnd() is not long wake || !WaitForGrant(read, wake))
        {
            ForgetBound();
            return Go;
        }
        lock (_grantGate)
        {
            _boundEndMs = wake;
            _boundInstructions = instructions;
            _boundSleep = sleep;
        }
        return Allowance(wake, instructions);
    }

    /// <summary>
    /// Waits until the sleep that ends at <paramref name="wake"/> lies within the grant (true), or until input or a
    /// release ends it at once or the node must go regardless (false: where its clock stands then is not known).
    /// </summary>
    private bool WaitForGrant(long[] read, long wake)
    {
        bool counted = false;
        try
        {
            while (true)
            {
                // Taken before the checks, so a change between them and the wait is not missed.
                Task[] changes = [_grantChanged.NextChange, .. _channels.Select(c => c.NextChange)];
                if (_stopping.IsCancellationRequested || Volatile.Read(ref _runningFreely) > 0) return false;
                if (InputPending(read))
                {
                    WaitUntilNextByteHandedOver(read);
                    return false;
                }
                lock (_grantGate)
                {
                    if (_releaseHeld)
                    {
                        _releaseHeld = false;
                        return false;
                    }
                    if (wake <= _grantMs) return true;
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
                return false;
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
    /// An upper bound of when the sleep the node reported ends, if it surely lies within the grant: the end of the last
    /// sleep whose end was read exactly, plus a nanosecond per instruction begun since and the longest sleep SysTick can
    /// make for every sleep begun since (this one included). Then the clock is not read: the decision is the one the read
    /// would give, so the run is the same, only faster.
    /// </summary>
    private long? BoundOfSleepEnd(long instructions, long sleep)
    {
        lock (_grantGate)
        {
            if (_boundInstructions < 0) return null;
            long workMs = (instructions - _boundInstructions + 999_999) / 1_000_000;
            long bound = _boundEndMs + 1 + workMs + (sleep - _boundSleep) * LongestSleepMs;
            return bound <= _grantMs ? bound : null;
        }
    }

    private void ForgetBound()
    {
        lock (_grantGate) _boundInstructions = -1;
    }

    /// <summary>
    /// The answer when this sleep ends by <paramref name="end"/> within the grant: how many coming sleeps the plugin may
    /// let begin unreported (no UART traffic meanwhile), and below how many instructions begun, so that even the longest
    /// of them and all that work still end within the grant. A tenth of the room is left for work.
    /// </summary>
    private string Allowance(long end, long instructions)
    {
        long room;
        lock (_grantGate) room = _grantMs - end - 1;
        long workMs = Math.Max(1, room / 10);
        long sleeps = (room - workMs) / LongestSleepMs;
        if (sleeps <= 0) return Go;
        return $"go {sleeps} {instructions + workMs * 1_000_000}\n";
    }

    // SysTick's 24-bit counter at the slower of its two clocks.
    private long LongestSleepMs => ((1L << 24) * 1000 + Math.Min(ProcessorClockHz, ReferenceClockHz) - 1) / Math.Min(ProcessorClockHz, ReferenceClockHz);

    /// <summary>
    /// The device time (ms) at which the sleep about to begin ends: the node's uptime plus what SysTick has left to its
    /// wrap, rounded up to whole milliseconds (the reference firmware ends every sleep at a millisecond boundary; for
    /// another firmware the estimate is the same every run, which is what keeps the run deterministic). Also updates the
    /// node's clock for <see cref="AdvanceAsync"/>. Null when QEMU does not answer.
    /// </summary>
    private long? ReadSleepEnd()
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
        }
        if ((csr & (CsrEnable | CsrTickInt)) != (CsrEnable | CsrTickInt)) return long.MaxValue; // only input wakes it
        long hz = (csr & CsrProcessorClock) != 0 ? ProcessorClockHz : ReferenceClockHz;
        // The counter interrupts when it reaches 0; at 0 it reloads on the next clock and counts the reload value down.
        long cycles = current != 0 ? current : (long)reload + 1;
        return node + (cycles * 1000 + hz - 1) / hz;
    }
}
