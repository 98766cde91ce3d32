using System.Net.ServerSentEvents;
using Hil.Backend.Operations;
using Hil.Backend.Security;
using Hil.Backend.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hil.Backend.Apis;

public sealed record HealthReport(string Status, string? Storage = null, string? Detail = null);

public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("").WithTags("Operations").AllowAnonymous().DisableRateLimiting();
        ops.MapGet("/health", GetHealth).WithSummary("Liveness: the process is serving requests");
        ops.MapGet("/ready", GetReadyAsync).WithSummary("Readiness: the database answers, ingest keeps up and the broker link holds (503 unavailable or degraded otherwise)");
        ops.MapGet("/metrics", GetMetrics).WithSummary("Prometheus text: ingest counts, dead letters, latency histogram");
        app.MapGroup("/api/v1").WithTags("Live").MapGet("/stream", GetStream).RequireAuthorization(Policies.Viewer)
            .WithSummary("Server-sent events: telemetry, node status, commands and dead letters as they happen");
        return app;
    }

    public static Ok<HealthReport> GetHealth() => TypedResults.Ok(new HealthReport("live"));

    public static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> GetReadyAsync(
        IBackendStore store, Ingest.IngestPipeline pipeline, HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            await store.PingAsync(cancellationToken);
            // No broker link (down, or dropped again and again) means telemetry is not arriving and commands are not leaving.
            if (context.RequestServices.GetService<Ingest.IDeviceLink>()?.Health is { } link && (!link.Connected || link.IsFlapping))
            {
                context.Response.Headers.RetryAfter = "5";
                return TypedResults.Json(new HealthReport("degraded", store.Kind, link.Connected
                    ? $"broker link lost {link.LossesLastMinute} times in the last minute"
                    : $"broker link down ({link.LossesLastMinute} losses in the last minute)"), statusCode: 503);
            }
            // The database answers but cannot keep up: senders are being held back (back-pressure), so say so.
            if (pipeline.IsSaturated)
            {
                context.Response.Headers.RetryAfter = "1";
                return TypedResults.Json(new HealthReport("degraded", store.Kind,
                    $"ingest queue full ({pipeline.Depth} messages waiting for the database): senders are held back"), statusCode: 503);
            }
            return TypedResults.Ok(new HealthReport("ready", store.Kind));
        }
        catch (StoreUnavailableException e)
        {
            context.Response.Headers.RetryAfter = "5";
            return TypedResults.Json(new HealthReport("unavailable", store.Kind, e.Message), statusCode: 503);
        }
    }

    public static ContentHttpResult GetMetrics(BackendMetrics metrics) =>
        TypedResults.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");

    public static ServerSentEventsResult<LiveEvent> GetStream(LiveFeed live, CancellationToken cancellationToken) =>
        TypedResults.ServerSentEvents(Stream(live, cancellationToken));

    private static async IAsyncEnumerable<SseItem<LiveEvent>> Stream(LiveFeed live, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in live.SubscribeAsync(cancellationToken)) yield return new SseItem<LiveEvent>(item, item.Type);
    }
}
