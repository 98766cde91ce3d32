namespace Hil.Backend.Tests.Support;

/// <summary>
/// A clock the test moves by hand whose timers fire when it is moved past their due time (unlike
/// <see cref="ManualTimeProvider"/>, whose timers are the system's): schedules are tested without waiting.
/// A periodic timer that fell several periods behind fires once, as a <see cref="PeriodicTimer"/> coalesces ticks anyway.
/// </summary>
public sealed class ManualScheduler(DateTimeOffset start) : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<Timer> _timers = [];
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        lock (_gate) _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(TimeSpan by)
    {
        var due = new List<Timer>();
        lock (_gate)
        {
            _now += by;
            foreach (Timer timer in _timers)
            {
                if (timer.Due is not { } at || at > _now) continue;
                due.Add(timer);
                timer.Due = timer.Period > TimeSpan.Zero ? at + timer.Period * (Math.Floor((_now - at) / timer.Period) + 1) : null;
            }
        }
        foreach (Timer timer in due) timer.Fire();
    }

    private sealed class Timer(ManualScheduler clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due;
        public TimeSpan Period;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock._now + dueTime;
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            }
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (clock._gate) clock._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
