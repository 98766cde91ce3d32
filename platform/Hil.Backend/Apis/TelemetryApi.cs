using Hil.Backend.Hosting;
using Hil.Backend.Ingest;
using Hil.Backend.Protocol;
using Hil.Backend.Security;
using Hil.Backend.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hil.Backend.Apis;

public sealed record IngestResponse(string Status);

public static class TelemetryApi
{
    public const int MaxLimit = 10_000;

    public static IEndpointRouteBuilder MapTelemetryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Telemetry");
        api.MapPost("/telemetry", PostTelemetryAsync).AllowAnonymous().Accepts<object>("application/json")
            .WithSummary("A node posts one telemetry payload of any protocol version");
        api.MapGet("/nodes/{id}/telemetry", GetTelemetryAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("Stored telemetry of a node, oldest first");
        api.MapGet("/nodes/{id}/telemetry/aggregate", GetAggregatesAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("Average, minimum and maximum per time bucket");
        return app;
    }

    public static async Task<Results<Accepted<IngestResponse>, ProblemHttpResult>> PostTelemetryAsync(
        HttpContext context, IngestPipeline pipeline, BackendOptions options, Operations.BackendMetrics metrics, CancellationToken cancellationToken)
    {
        if (Problems.CheckDevice(context, options, null) is { } refused) return refused;
        byte[]? body = await ReadBodyAsync(context.Request, TelemetryParser.MaxPayloadBytes, cancellationToken);
        if (body is null)
        {
            metrics.CountHttpRejected();
            return TypedResults.Problem($"payload too large (limit {TelemetryParser.MaxPayloadBytes} bytes)", statusCode: 413, title: "Payload too large");
        }
        var outcome = await pipeline.SubmitAsync(body, "http", context.User.DeviceNode(), cancellationToken);
        if (outcome.Status == IngestStatus.Forbidden)
        {
            metrics.CountHttpRejected();
            return Problems.Forbidden(outcome.Reason!);
        }
        if (outcome.Status == IngestStatus.Rejected)
        {
            metrics.CountHttpRejected();
            return Problems.Unprocessable(outcome.Reason!);
        }
        return TypedResults.Accepted((string?)null, new IngestResponse(outcome.Status == IngestStatus.Stored ? "stored" : "duplicate"));
    }

    public static async Task<Results<Ok<IReadOnlyList<TelemetryRecord>>, ProblemHttpResult>> GetTelemetryAsync(
        string id, DateTimeOffset? from, DateTimeOffset? to, int? limit, IBackendStore store, CancellationToken cancellationToken)
    {
        if (Range(from, to, out var start, out var end) is { } bad) return bad;
        if (Limit(limit, out int take) is { } badLimit) return badLimit;
        if (await store.GetNodeAsync(id, cancellationToken) is null) return Problems.NotFound($"no node '{id}'");
        return TypedResults.Ok(await store.QueryTelemetryAsync(id, start, end, take, cancellationToken));
    }

    public static async Task<Results<Ok<IReadOnlyList<AggregateBucket>>, ProblemHttpResult>> GetAggregatesAsync(
        string id, DateTimeOffset? from, DateTimeOffset? to, int? bucket, IBackendStore store, CancellationToken cancellationToken)
    {
        if (Range(from, to, out var start, out var end) is { } bad) return bad;
        int seconds = bucket ?? 60;
        if (seconds is < 1 or > 31 * 86_400) return Problems.BadRequest($"bucket must be between 1 and {31 * 86_400} seconds, got {seconds}");
        if (await store.GetNodeAsync(id, cancellationToken) is null) return Problems.NotFound($"no node '{id}'");
        return TypedResults.Ok(await store.AggregateTelemetryAsync(id, start, end, TimeSpan.FromSeconds(seconds), cancellationToken));
    }

    /// <summary>A list's <c>limit</c> query value: 1000 when absent, refused outside 1..<see cref="MaxLimit"/>.</summary>
    internal static ProblemHttpResult? Limit(int? limit, out int take)
    {
        take = limit ?? 1000;
        return take is >= 1 and <= MaxLimit ? null : Problems.BadRequest($"limit must be between 1 and {MaxLimit}, got {take}");
    }

    internal static ProblemHttpResult? Range(DateTimeOffset? from, DateTimeOffset? to, out DateTimeOffset start, out DateTimeOffset end)
    {
        start = from ?? DateTimeOffset.UnixEpoch;
        end = to ?? DateTimeOffset.MaxValue.AddYears(-1);
        return start <= end ? null : Problems.BadRequest($"'from' ({start:O}) is after 'to' ({end:O})");
    }

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> (read no further than that).</summary>
    internal static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
