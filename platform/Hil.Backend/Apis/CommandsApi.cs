using System.Text.Json;
using Hil.Backend.Hosting;
using Hil.Backend.Ingest;
using Hil.Backend.Protocol;
using Hil.Backend.Security;
using Hil.Backend.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hil.Backend.Apis;

public sealed record CreateCommandRequest(string? Type, JsonElement? Params, int? TtlSeconds);

public sealed record AckRequest(string? Status, string? Detail);

public static class CommandsApi
{
    public static IEndpointRouteBuilder MapCommandsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Commands");
        api.MapPost("/nodes/{id}/commands", CreateCommandAsync).RequireAuthorization(Policies.Operator)
            .WithSummary("Queue a command for a node (delivered over MQTT, or polled)");
        api.MapGet("/nodes/{id}/commands/pending", TakePendingCommandsAsync).AllowAnonymous()
            .WithSummary("A polling node takes its queued commands (they become delivered)");
        api.MapGet("/commands/{cid}", GetCommandAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("A command with the time of every transition");
        api.MapPost("/nodes/{id}/commands/{cid}/ack", AckCommandAsync).AllowAnonymous()
            .WithSummary("A polling node acknowledges a command: done or failed");
        return app;
    }

    public static async Task<Results<Created<CommandRecord>, ProblemHttpResult>> CreateCommandAsync(
        string id, CreateCommandRequest request, CommandDispatcher dispatcher, BackendOptions options, CancellationToken cancellationToken)
    {
        if (!TelemetryParser.IsNodeId(id)) return Problems.BadRequest($"node id must be 12 lowercase hex digits, got '{id}'");
        if (string.IsNullOrWhiteSpace(request.Type) || request.Type.Length > 64)
            return Problems.BadRequest("'type' is required (1 to 64 characters)");
        if (request.Params is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) } p)
            return Problems.BadRequest($"'params' must be a JSON object, got {p.ValueKind}");
        if (request.TtlSeconds is < 1 or > 30 * 86_400) return Problems.BadRequest($"'ttlSeconds' must be between 1 and {30 * 86_400}");
        var parameters = request.Params is { ValueKind: JsonValueKind.Object } o ? o : (JsonElement?)null;
        int size = CommandDispatcher.MessageSize(request.Type, parameters);
        if (size > options.MaxCommandBytes)
            return TypedResults.Problem($"command too large: {size} bytes as sent to the node (id, type and params in JSON), limit {options.MaxCommandBytes}",
                statusCode: 413, title: "Command too large");
        var command = await dispatcher.CreateAsync(id, request.Type, parameters,
            request.TtlSeconds is { } ttl ? TimeSpan.FromSeconds(ttl) : null, cancellationToken);
        return TypedResults.Created($"/api/v1/commands/{command.Id}", command);
    }

    public static async Task<Results<Ok<IReadOnlyList<CommandRecord>>, ProblemHttpResult>> TakePendingCommandsAsync(
        string id, HttpContext context, BackendOptions options, IBackendStore store, CancellationToken cancellationToken)
    {
        if (Problems.CheckDevice(context, options, id) is { } refused) return refused;
        return TypedResults.Ok(await store.TakeQueuedCommandsAsync(id, "http", options.Time.GetUtcNow(), cancellationToken));
    }

    public static async Task<Results<Ok<CommandRecord>, ProblemHttpResult>> GetCommandAsync(
        string cid, IBackendStore store, BackendOptions options, CancellationToken cancellationToken)
    {
        // Expiry is applied on read as well as by the periodic sweep, so a reader never sees a stale "queued".
        await store.ExpireCommandsAsync(options.Time.GetUtcNow(), cancellationToken);
        return await store.GetCommandAsync(cid, cancellationToken) is { } command
            ? TypedResults.Ok(command) : Problems.NotFound($"no command '{cid}'");
    }

    public static async Task<Results<Ok<CommandRecord>, ProblemHttpResult>> AckCommandAsync(
        string id, string cid, AckRequest request, HttpContext context, BackendOptions options, IBackendStore store, CancellationToken cancellationToken)
    {
        if (Problems.CheckDevice(context, options, id) is { } refused) return refused;
        if (request.Status is not (CommandStatus.Done or CommandStatus.Failed))
            return Problems.BadRequest($"'status' must be 'done' or 'failed', got '{request.Status}'");
        var now = options.Time.GetUtcNow();
        await store.ExpireCommandsAsync(now, cancellationToken);
        var done = await store.CompleteCommandAsync(id, cid, request.Status, request.Detail, "http", now, cancellationToken);
        if (done is not null) return TypedResults.Ok(done);
        var existing = await store.GetCommandAsync(cid, cancellationToken);
        return existing is null || existing.NodeId != id
            ? Problems.NotFound($"no command '{cid}' for node '{id}'")
            : TypedResults.Problem($"command '{cid}' is already {existing.Status}", statusCode: 409, title: "Conflict");
    }
}
