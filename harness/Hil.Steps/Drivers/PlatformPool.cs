using System.Diagnostics;

namespace Hil.Steps.Drivers;

/// <summary>
/// Keeps starting and stopping the scenarios' platforms off their critical path (one per test run).
/// Each scenario still gets a platform of its own, fresh (new loopback ports, new data folder, nothing
/// seen before), but it was started in the background while earlier scenarios ran: the pool keeps
/// <see cref="Spares"/> spares, hands out the oldest, and starts the next. When the run says how many platforms its
/// scenarios will take (<see cref="Expect"/>), it keeps no more spares than are still to be taken, so a run without
/// a platform scenario starts none and the last spare is not started for nothing. A used platform is stopped in the background too;
/// <see cref="DrainAsync"/> (at the end of the run) waits for every stop and the unused spare, and throws
/// what failed, so nothing outlives the run and no error is lost.
/// </summary>
public sealed class PlatformPool : IAsyncDisposable
{
    /// <summary>
    /// Two spares: a platform takes longer to start (~0.3 s on a loaded 2-core machine) than many short scenarios last,
    /// so one spare is often still starting when the next scenario asks. More would only hold more memory.
    /// </summary>
    public const int Spares = 2;

    private static long _backgroundTicks;
    private readonly object _gate = new();
    private readonly List<Task> _stopping = new();
    private readonly Queue<Task<PreparedPlatform>> _spares = new();
    private bool _drained;
    private int _running;
    private int? _expected; // platforms still to be taken this run; null: not said, keep Spares
    private Task<PreparedPlatform>? _lastSpare; // the spare started last: the next one starts when it is up

    /// <summary>Spares started or starting and not yet handed out.</summary>
    public int SpareCount
    {
        get { lock (_gate) return _spares.Count; }
    }

    /// <summary>Platforms of this pool started and not yet stopped (handed out, spare, or being stopped).</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Wall time this process has spent starting and stopping platforms in the background (beside the scenarios).</summary>
    public static TimeSpan BackgroundStartStopTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _backgroundTicks));

    /// <summary>Starts the spares now (the run begins) unless they are already starting.</summary>
    public void Prepare()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_drained, this);
            TopUp();
        }
    }

    /// <summary>
    /// The run's scenarios will take <paramref name="platforms"/> platforms from now on: the pool starts that many spares
    /// (at most <see cref="Spares"/>) now, and stops in the background any spare beyond them. A scenario that takes one
    /// unannounced still gets it (started then, if no spare is left).
    /// </summary>
    public void Expect(int platforms)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(platforms);
        var surplus = new List<Task<PreparedPlatform>>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_drained, this);
            _expected = platforms;
            while (_spares.Count > Math.Min(Spares, platforms)) surplus.Add(_spares.Dequeue());
            TopUp();
        }
        foreach (Task<PreparedPlatform> spare in surplus) _ = Stop(spare);
    }

    /// <summary>A started platform for the caller alone (the oldest spare, waited for if still starting); the next spare starts.</summary>
    public async Task<PreparedPlatform> TakeAsync(CancellationToken cancellationToken)
    {
        Task<PreparedPlatform> taken;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_drained, this);
            taken = _spares.Count > 0 ? _spares.Dequeue() : StartInBackground();
            if (_expected > 0) _expected--;
            TopUp();
        }
        try
        {
            return await taken.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _ = Stop(taken); // it still starts; no one else may have it (DrainAsync waits for its stop)
            throw;
        }
    }

    /// <summary>Gives back a used platform: it stops in the background (at once if the run is over).</summary>
    public async ValueTask ReturnAsync(PreparedPlatform used)
    {
        Task stopped = Stop(Task.FromResult(used));
        bool drained;
        lock (_gate) drained = _drained;
        if (drained) await stopped;
    }

    /// <summary>Waits until every platform the pool started has stopped; throws the failures of starting or stopping them.</summary>
    public async Task DrainAsync()
    {
        Task[] pending;
        lock (_gate)
        {
            _drained = true;
            while (_spares.Count > 0) _stopping.Add(StopWhenStartedAsync(_spares.Dequeue()));
            pending = _stopping.ToArray();
            _stopping.Clear();
        }
        var failures = new List<Exception>();
        foreach (Task task in pending)
        {
            try { await task; }
            catch (Exception e) { failures.Add(e); }
        }
        if (failures.Count > 0)
            throw new AggregateException($"{failures.Count} scenario platform(s) failed to start or stop: {string.Join("; ", failures.Select(f => f.Message))}", failures);
    }

    public async ValueTask DisposeAsync() => await DrainAsync();

    // Under _gate. Spares start one after the other: two starting at once on 2 cores each take twice as long, and the
    // scenario that waits for the first (the run's first, in a cold process) waited for both.
    private void TopUp()
    {
        while (_spares.Count < Math.Min(Spares, _expected ?? Spares)) _spares.Enqueue(_lastSpare = StartInBackground(after: _lastSpare));
    }

    private Task<PreparedPlatform> StartInBackground(Task? after = null) => Task.Run(async () =>
    {
        if (after is not null) await after.ContinueWith(_ => { }, TaskScheduler.Default); // its failure is its taker's to see
        long started = Stopwatch.GetTimestamp();
        try
        {
            PreparedPlatform platform = await PreparedPlatform.StartAsync(CancellationToken.None);
            Interlocked.Increment(ref _running);
            return platform;
        }
        finally
        {
            Interlocked.Add(ref _backgroundTicks, Stopwatch.GetTimestamp() - started);
        }
    });

    private Task Stop(Task<PreparedPlatform> platform)
    {
        Task stopping = Task.Run(() => StopWhenStartedAsync(platform));
        lock (_gate)
        {
            _stopping.RemoveAll(t => t.IsCompletedSuccessfully); // keep the failed ones for DrainAsync
            if (!_drained) _stopping.Add(stopping);
        }
        return stopping;
    }

    private async Task StopWhenStartedAsync(Task<PreparedPlatform> platform)
    {
        PreparedPlatform started = await platform;
        long stopping = Stopwatch.GetTimestamp();
        try
        {
            await started.DisposeAsync();
            Interlocked.Decrement(ref _running);
        }
        finally
        {
            Interlocked.Add(ref _backgroundTicks, Stopwatch.GetTimestamp() - stopping);
        }
    }
}
