using System.Text.Json;
using Dapper;

namespace Hil.Backend.Storage;

// Commands, users and device keys: small tables, every state change a single conditional UPDATE so that
// two concurrent acknowledgements (or an ack racing an expiry) cannot both win.
public abstract partial class SqlStore
{
    /// <summary>Migration 4 (both databases): how often a command was sent; one for those delivered before it.</summary>
    protected const string CommandDeliveriesMigration = """
        ALTER TABLE commands ADD COLUMN deliveries bigint NOT NULL DEFAULT 0;
        UPDATE commands SET deliveries = 1 WHERE delivered_ms IS NOT NULL;
        """;

    public Task CreateCommandAsync(CommandRecord command, CancellationToken cancellationToken = default) =>
        UseAsync(c => c.ExecuteAsync("""
            INSERT INTO commands (id, node_id, type, params, status, created_ms, expires_ms)
            VALUES (@Id, @NodeId, @Type, @Params, @Status, @CreatedMs, @ExpiresMs)
            """, new CommandRow
        {
            Id = command.Id, NodeId = command.NodeId, Type = command.Type, Status = command.Status,
            Params = command.Params is { } p ? JsonSerializer.Serialize(p) : null,
            CreatedMs = Ms.Of(command.CreatedAt), ExpiresMs = Ms.Of(command.ExpiresAt),
        }), cancellationToken);

    public Task<CommandRecord?> GetCommandAsync(string commandId, CancellationToken cancellationToken = default) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<CommandRow>("SELECT * FROM commands WHERE id = @commandId", new { commandId }))?.ToRecord(), cancellationToken);

    public Task<IReadOnlyList<CommandRecord>> TakeQueuedCommandsAsync(string nodeId, string via, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<CommandRecord>>(async c => (await c.QueryAsync<CommandRow>("""
            UPDATE commands SET status = 'delivered', delivered_ms = @now, delivered_via = @via, deliveries = deliveries + 1
            WHERE node_id = @nodeId AND status = 'queued' AND expires_ms > @now
            RETURNING *
            """, new { nodeId, via, now = Ms.Of(now) })).OrderBy(r => r.CreatedMs).ThenBy(r => r.Id).Select(r => r.ToRecord()).ToList(), cancellationToken);

    public Task<IReadOnlyList<CommandRecord>> CommandsToSendAsync(string nodeId, bool includeDelivered, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<CommandRecord>>(async c => (await c.QueryAsync<CommandRow>($"""
            SELECT * FROM commands
            WHERE node_id = @nodeId AND status IN ({(includeDelivered ? "'queued', 'delivered'" : "'queued'")}) AND expires_ms > @now
            ORDER BY created_ms, id
            """, new { nodeId, now = Ms.Of(now) })).Select(r => r.ToRecord()).ToList(), cancellationToken);

    public Task<IReadOnlyList<string>> NodesWithQueuedCommandsAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<string>>(async c => (await c.QueryAsync<string>(
            "SELECT DISTINCT node_id FROM commands WHERE status = 'queued' AND expires_ms > @now ORDER BY node_id", new { now = Ms.Of(now) })).ToList(),
            cancellationToken);

    public Task<CommandRecord?> MarkDeliveredAsync(string commandId, string via, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<CommandRow>("""
            UPDATE commands SET status = 'delivered', delivered_ms = @now, delivered_via = @via, deliveries = deliveries + 1
            WHERE id = @commandId AND status IN ('queued', 'delivered')
            RETURNING *
            """, new { commandId, via, now = Ms.Of(now) }))?.ToRecord(), cancellationToken);

    public Task<CommandRecord?> CompleteCommandAsync(string nodeId, string commandId, string status, string? detail, string via, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<CommandRow>("""
            UPDATE commands SET status = @status, completed_ms = @now, detail = @detail,
                delivered_ms = COALESCE(delivered_ms, @now), delivered_via = COALESCE(delivered_via, @via),
                deliveries = CASE WHEN deliveries > 0 THEN deliveries ELSE 1 END
            WHERE id = @commandId AND node_id = @nodeId AND status IN ('queued', 'delivered')
            RETURNING *
            """, new { nodeId, commandId, status, detail, via, now = Ms.Of(now) }))?.ToRecord(), cancellationToken);

    public Task<CommandRecord?> FailCommandAsync(string commandId, string reason, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<CommandRow>("""
            UPDATE commands SET status = 'failed', completed_ms = @now, detail = @reason
            WHERE id = @commandId AND status IN ('queued', 'delivered')
            RETURNING *
            """, new { commandId, reason, now = Ms.Of(now) }))?.ToRecord(), cancellationToken);

    public Task<int> ExpireCommandsAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        UseAsync(c => c.ExecuteAsync(
            "UPDATE commands SET status = 'expired', expired_ms = @now WHERE status IN ('queued', 'delivered') AND expires_ms <= @now",
            new { now = Ms.Of(now) }), cancellationToken);

    /// <summary>Migration 5 (both databases): the epoch of a user's tokens (<see cref="UserRecord.TokenEpoch"/>).</summary>
    protected const string UserTokenEpochMigration = "ALTER TABLE users ADD COLUMN token_epoch text";

    private static string NewTokenEpoch() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));

    public Task<UserRecord?> CreateUserAsync(string name, string role, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<UserRow>("""
            INSERT INTO users (name, role, created_ms, token_epoch) VALUES (@name, @role, @now, @epoch)
            ON CONFLICT (name) DO UPDATE SET role = excluded.role, created_ms = excluded.created_ms, revoked_ms = NULL,
                token_epoch = excluded.token_epoch
            WHERE users.revoked_ms IS NOT NULL
            RETURNING *
            """, new { name, role, now = Ms.Of(now), epoch = NewTokenEpoch() }))?.ToRecord(), cancellationToken);

    public Task<UserRecord> EnsureUserAsync(string name, string role, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        UseAsync(async c => (await c.QuerySingleAsync<UserRow>("""
            INSERT INTO users (name, role, created_ms, token_epoch) VALUES (@name, @role, @now, @epoch)
            ON CONFLICT (name) DO UPDATE SET role = excluded.role,
                created_ms = CASE WHEN users.revoked_ms IS NULL THEN users.created_ms ELSE excluded.created_ms END,
                token_epoch = CASE WHEN users.revoked_ms IS NULL AND users.token_epoch IS NOT NULL THEN users.token_epoch ELSE excluded.token_epoch END,
                revoked_ms = NULL
            RETURNING *
            """, new { name, role, now = Ms.Of(now), epoch = NewTokenEpoch() })).ToRecord(), cancellationToken);

    public Task<UserRecord?> SetUserRoleAsync(string name, string role, CancellationToken cancellationToken = default) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<UserRow>(
            "UPDATE users SET role = @role WHERE name = @name AND revoked_ms IS NULL RETURNING *", new { name, role }))?.ToRecord(), cancellationToken);

    public Task<UserRecord?> GetUserAsync(string name, CancellationToken cancellationToken = default) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<UserRow>("SELECT * FROM users WHERE name = @name", new { name }))?.ToRecord(), cancellationToken);

    public Task<bool> RevokeUserAsync(string name, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        UseAsync(async c => await c.ExecuteAsync("UPDATE users SET revoked_ms = @now WHERE name = @name AND revoked_ms IS NULL",
            new { name, now = Ms.Of(now) }) > 0, cancellationToken);

    public Task CreateApiKeyAsync(ApiKeyRecord key, byte[] hash, CancellationToken cancellationToken = default) =>
        UseAsync(c => c.ExecuteAsync("INSERT INTO api_keys (id, node_id, hash, created_ms) VALUES (@id, @nodeId, @hash, @created)",
            new { id = key.Id, nodeId = key.NodeId, hash, created = Ms.Of(key.CreatedAt) }), cancellationToken);

    public Task<ApiKeyRecord?> FindApiKeyAsync(byte[] hash, CancellationToken cancellationToken = default) =>
        UseAsync(async c => (await c.QuerySingleOrDefaultAsync<ApiKeyRow>(
            "SELECT id, node_id, created_ms, revoked_ms FROM api_keys WHERE hash = @hash", new { hash }))?.ToRecord(), cancellationToken);

    public Task<bool> RevokeApiKeyAsync(string keyId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        UseAsync(async c => await c.ExecuteAsync("UPDATE api_keys SET revoked_ms = @now WHERE id = @keyId AND revoked_ms IS NULL",
            new { keyId, now = Ms.Of(now) }) > 0, cancellationToken);
}
