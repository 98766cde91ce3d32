namespace Hil.Backend.Storage;

/// <summary>
/// Everything the backend keeps. Two implementations (SQLite, PostgreSQL) share one functional test
/// suite; a method that cannot reach its database throws <see cref="StoreUnavailableException"/>.
/// </summary>
public interface IBackendStore : IAsyncDisposable
{
    string Kind { get; }
    Task MigrateAsync(CancellationToken cancellationToken = default);
    Task PingAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes a batch; returns per message whether it was stored (false: a redelivered v2/v3 message).</summary>
    Task<bool[]> WriteTelemetryAsync(IReadOnlyList<IngestedTelemetry> batch, CancellationToken cancellationToken = default);
    Task WriteDeadLettersAsync(IReadOnlyList<DeadLetter> batch, CancellationToken cancellationToken = default);
    Task SetNodeStatusAsync(string nodeId, bool online, DateTimeOffset at, CancellationToken cancellationToken = default);
    Task WriteNodeLogAsync(string nodeId, string kind, string text, DateTimeOffset at, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<NodeRecord>> ListNodesAsync(CancellationToken cancellationToken = default);
    Task<NodeRecord?> GetNodeAsync(string nodeId, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<TelemetryRecord>> QueryTelemetryAsync(string nodeId, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<AggregateBucket>> AggregateTelemetryAsync(string nodeId, DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<DeadLetterRecord>> ListDeadLettersAsync(long afterId, int limit, CancellationToken cancellationToken = default);
    Task<long> CountDeadLettersAsync(CancellationToken cancellationToken = default);
    /// <summary>Stores a capture's inference; false when it is a redelivery (same node, boot and capture).</summary>
    Task<bool> WriteInferenceAsync(InferenceRecord inference, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<InferenceRecord>> QueryInferencesAsync(string nodeId, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<NodeLogRecord>> ListNodeLogsAsync(string nodeId, string kind, int limit, CancellationToken cancellationToken = default);

    Task CreateCommandAsync(CommandRecord command, CancellationToken cancellationToken = default);
    Task<CommandRecord?> GetCommandAsync(string commandId, CancellationToken cancellationToken = default);
    /// <summary>Queued commands of a node, marked delivered through <paramref name="via"/> (a polling node's fetch).</summary>
    Task<IReadOnlyList<CommandRecord>> TakeQueuedCommandsAsync(string nodeId, string via, DateTimeOffset now, CancellationToken cancellationToken = default);
    /// <summary>The node's unexpired queued commands (and with <paramref name="includeDelivered"/> the unacknowledged delivered ones), oldest first.</summary>
    Task<IReadOnlyList<CommandRecord>> CommandsToSendAsync(string nodeId, bool includeDelivered, DateTimeOffset now, CancellationToken cancellationToken = default);
    /// <summary>The nodes with unexpired queued commands.</summary>
    Task<IReadOnlyList<string>> NodesWithQueuedCommandsAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
    /// <summary>Records a send: delivered at <paramref name="now"/>, one more delivery; null when the command is final meanwhile.</summary>
    Task<CommandRecord?> MarkDeliveredAsync(string commandId, string via, DateTimeOffset now, CancellationToken cancellationToken = default);
    /// <summary>Records a node's acknowledgement (proof of a delivery); null when there is no such command for that node or it is already final.</summary>
    Task<CommandRecord?> CompleteCommandAsync(string nodeId, string commandId, string status, string? detail, string via, DateTimeOffset now, CancellationToken cancellationToken = default);
    /// <summary>Ends a command the backend cannot send (failed, with the reason); null when it is final meanwhile.</summary>
    Task<CommandRecord?> FailCommandAsync(string commandId, string reason, DateTimeOffset now, CancellationToken cancellationToken = default);
    Task<int> ExpireCommandsAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>A new user, with a new token epoch (a revoked user's name may be given again); null when an active user has the name.</summary>
    Task<UserRecord?> CreateUserAsync(string name, string role, DateTimeOffset now, CancellationToken cancellationToken = default);
    /// <summary>The bootstrap user: created (or re-created after a revocation) with <paramref name="role"/>, else kept with its epoch and given the role.</summary>
    Task<UserRecord> EnsureUserAsync(string name, string role, DateTimeOffset now, CancellationToken cancellationToken = default);
    /// <summary>Changes an active user's role; null when there is none with the name.</summary>
    Task<UserRecord?> SetUserRoleAsync(string name, string role, CancellationToken cancellationToken = default);
    Task<UserRecord?> GetUserAsync(string name, CancellationToken cancellationToken = default);
    Task<bool> RevokeUserAsync(string name, DateTimeOffset now, CancellationToken cancellationToken = default);
    Task CreateApiKeyAsync(ApiKeyRecord key, byte[] hash, CancellationToken cancellationToken = default);
    Task<ApiKeyRecord?> FindApiKeyAsync(byte[] hash, CancellationToken cancellationToken = default);
    Task<bool> RevokeApiKeyAsync(string keyId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Deletes telemetry received before <paramref name="cutoff"/> (drops whole partitions on PostgreSQL).</summary>
    Task ApplyRetentionAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}
