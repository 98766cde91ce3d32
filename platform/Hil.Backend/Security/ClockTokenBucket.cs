using System.Threading.RateLimiting;

namespace Hil.Backend.Security;

/// <summary>
/// A token bucket that reads time from a <see cref="TimeProvider"/> (the framework's bucket refills on a wall-clock
/// timer, which tests cannot move). Tokens are topped up lazily on each request from the time elapsed; no queue.
/// </summary>
public sealed class ClockTokenBucket(int tokenLimit, TimeSpan period, TimeProvider time) : RateLimiter
{
    private readonly Lock _lock = new();
    private readonly long _periodTicks = Math.Max(1, (long)(period.TotalSeconds * time.TimestampFrequency));
    private long _tokens = tokenLimit;
    private long _lastRefill = time.GetTimestamp();
    private long _lastUse = time.GetTimestamp();

    /// <summary>How long the bucket has been full and unused (the partitioned limiter then drops it).</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return _tokens == tokenLimit ? time.GetElapsedTime(_lastUse) : null;
            }
        }
    }

    public override RateLimiterStatistics GetStatistics()
    {
        lock (_lock)
        {
            Refill();
            return new RateLimiterStatistics { CurrentAvailablePermits = _tokens };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_lock)
        {
            Refill();
            _lastUse = time.GetTimestamp();
            if (permitCount <= _tokens)
            {
                _tokens -= permitCount;
                return Lease.Granted;
            }
            // Tokens come back a period's worth at a time: the wait is to the next whole period.
            long elapsed = time.GetTimestamp() - _lastRefill;
            return new Lease(false, TimeSpan.FromSeconds((double)(_periodTicks - elapsed) / time.TimestampFrequency));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Refill()
    {
        long now = time.GetTimestamp();
        long periods = (now - _lastRefill) / _periodTicks;
        if (periods <= 0) return;
        _tokens = Math.Min(tokenLimit, _tokens + periods * tokenLimit);
        _lastRefill += periods * _periodTicks;
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null);
        public override bool IsAcquired => acquired;
        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? retryAfter : null;
            return metadata is not null;
        }
    }
}
