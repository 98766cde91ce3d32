namespace Hil.Backend.Hosting;

public enum Provisioning
{
    /// <summary>Development default: unknown nodes are registered on their first message, no key needed.</summary>
    Open,
    /// <summary>Only nodes presenting a valid API key (HTTP header or MQTT password) are accepted.</summary>
    Keys,
}

/// <summary>Everything `hil platform up`, Program.cs and the tests configure. One place, one way.</summary>
public sealed record BackendOptions
{
    /// <summary>HTTP listen URL; port 0 picks a free port (see <see cref="BackendHost.HttpAddress"/>).</summary>
    public string HttpUrl { get; init; } = "http://127.0.0.1:8080";
    /// <summary>Folder for the SQLite file and the JWT signing key.</summary>
    public string DataDirectory { get; init; } = "data";
    /// <summary>When set, PostgreSQL is used instead of SQLite.</summary>
    public string? PostgresConnectionString { get; init; }
    public Provisioning Provisioning { get; init; } = Provisioning.Open;
    /// <summary>HS256 key for user tokens; when null one is created in <see cref="DataDirectory"/> and reused.</summary>
    public byte[]? JwtSigningKey { get; init; }
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(12);
    /// <summary>
    /// Requests per caller per <see cref="RateLimitPeriod"/>: per authenticated user or device key, else per client address.
    /// Whatever a caller adds to its request (another header, other spaces) does not make it another caller.
    /// </summary>
    public int RateLimitPermits { get; init; } = 2000;
    /// <summary>Requests per client address per <see cref="RateLimitPeriod"/> that present a key or token which fails: guessing is throttled.</summary>
    public int FailedAuthenticationPermits { get; init; } = 50;
    public TimeSpan RateLimitPeriod { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan CommandTimeToLive { get; init; } = TimeSpan.FromHours(1);
    /// <summary>
    /// Most bytes a command may take as sent to the node (`{"id","type","params"}` in JSON): the reference node takes
    /// 512 (firmware/README.md, commands), far below the broker's packet limit. Larger ones are refused with 413.
    /// </summary>
    public int MaxCommandBytes { get; init; } = 512;
    /// <summary>Telemetry older than this is deleted; null keeps everything.</summary>
    public TimeSpan? Retention { get; init; }
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromMinutes(1);
    public int MaxBatch { get; init; } = 2000;
    /// <summary>
    /// Messages the writers' queues hold before senders wait (split between the writers). Broker messages stay
    /// unacknowledged until committed, so the broker's in-flight window bounds how many of them are queued.
    /// </summary>
    public int IngestQueueCapacity { get; init; } = 100_000;
    /// <summary>Anomaly scoring of stored telemetry and the forest's retraining schedule.</summary>
    public Anomaly.AnomalyOptions Anomaly { get; init; } = new();
    /// <summary>Concurrent batch writers, each owning a share of the nodes; null: 2 on PostgreSQL, 1 on SQLite (one writer at a time).</summary>
    public int? IngestWriters { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>The MQTT side (broker connection); null runs HTTP ingest only.</summary>
    public Func<IServiceProvider, Ingest.IDeviceLink>? DeviceLink { get; init; }
    /// <summary>Called with a key's id once it is revoked; the embedded broker uses it to drop that key's open sessions.</summary>
    public Func<string, CancellationToken, Task>? ApiKeyRevoked { get; init; }
    /// <summary>Minimum log level written to the console.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
    /// <summary>Extra log sinks (tests use one to check that no secret is ever logged).</summary>
    public ILoggerProvider? ExtraLogger { get; init; }
}
