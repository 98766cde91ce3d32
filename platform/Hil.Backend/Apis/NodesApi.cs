using Hil.Backend.Hosting;
using Hil.Backend.Protocol;
using Hil.Backend.Security;
using Hil.Backend.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hil.Backend.Apis;

public sealed record CreatedApiKey(string Id, string NodeId, string Key);

public static class NodesApi
{
    public static IEndpointRouteBuilder MapNodesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Nodes");
        api.MapGet("/nodes", ListNodesAsync).RequireAuthorization(Policies.Viewer).WithSummary("Registered nodes");
        api.MapGet("/nodes/{id}", GetNodeAsync).RequireAuthorization(Policies.Viewer).WithSummary("One node: versions, first/last seen, online");
        api.MapGet("/nodes/{id}/logs", GetLogsAsync).RequireAuthorization(Policies.Viewer).WithSummary("Log lines from devices/{id}/logs");
        api.MapGet("/nodes/{id}/events", GetEventsAsync).RequireAuthorization(Policies.Viewer).WithSummary("Inference results from devices/{id}/events");
        api.MapPost("/nodes/{id}/keys", CreateApiKeyAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Issue an API key for a node (shown once; stored hashed)");
        api.MapDelete("/keys/{keyId}", RevokeApiKeyAsync).RequireAuthorization(Policies.Admin).WithSummary("Revoke an API key");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<NodeRecord>>> ListNodesAsync(IBackendStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.ListNodesAsync(cancellationToken));

    public static async Task<Results<Ok<NodeRecord>, ProblemHttpResult>> GetNodeAsync(string id, IBackendStore store, CancellationToken cancellationToken) =>
        await store.GetNodeAsync(id, cancellationToken) is { } node ? TypedResults.Ok(node) : Problems.NotFound($"no node '{id}'");

    public static Task<Results<Ok<IReadOnlyList<NodeLogRecord>>, ProblemHttpResult>> GetLogsAsync(string id, int? limit, IBackendStore store, CancellationToken cancellationToken) =>
        ListLogsAsync(id, "log", limit, store, cancellationToken);

    public static Task<Results<Ok<IReadOnlyList<NodeLogRecord>>, ProblemHttpResult>> GetEventsAsync(string id, int? limit, IBackendStore store, CancellationToken cancellationToken) =>
        ListLogsAsync(id, "event", limit, store, cancellationToken);

    private static async Task<Results<Ok<IReadOnlyList<NodeLogRecord>>, ProblemHttpResult>> ListLogsAsync(
        string id, string kind, int? limit, IBackendStore store, CancellationToken cancellationToken)
    {
        if (TelemetryApi.Limit(limit, out int take) is { } badLimit) return badLimit;
        return TypedResults.Ok(await store.ListNodeLogsAsync(id, kind, take, cancellationToken));
    }

    public static async Task<Results<Created<CreatedApiKey>, ProblemHttpResult>> CreateApiKeyAsync(
        string id, IBackendStore store, BackendOptions options, CancellationToken cancellationToken)
    {
        if (!TelemetryParser.IsNodeId(id)) return Problems.BadRequest($"node id must be 12 lowercase hex digits, got '{id}'");
        var (keyId, secret) = ApiKeys.Generate();
        await store.CreateApiKeyAsync(new ApiKeyRecord(keyId, id, options.Time.GetUtcNow(), null), ApiKeys.Hash(secret), cancellationToken);
        return TypedResults.Created($"/api/v1/keys/{keyId}", new CreatedApiKey(keyId, id, secret));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeApiKeyAsync(
        string keyId, IBackendStore store, BackendOptions options, CancellationToken cancellationToken)
    {
        if (!await store.RevokeApiKeyAsync(keyId, options.Time.GetUtcNow(), cancellationToken)) return Problems.NotFound($"no active API key '{keyId}'");
        // An MQTT session authenticated at connect would otherwise keep publishing with the revoked key.
        if (options.ApiKeyRevoked is { } revoked) await revoked(keyId, cancellationToken);
        return TypedResults.NoContent();
    }
}
