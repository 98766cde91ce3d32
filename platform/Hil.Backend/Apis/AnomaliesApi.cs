using Hil.Backend.Anomaly;
using Hil.Backend.Security;
using Hil.Backend.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Hil.Backend.Apis;

public static class AnomaliesApi
{
    public static IEndpointRouteBuilder MapAnomaliesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Anomalies");
        api.MapGet("/nodes/{id}/anomalies", GetAnomaliesAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("Anomaly scores (0..1, near 1 anomalous) of a node's stored readings, oldest first; min_score filters");
        api.MapGet("/anomaly/model", GetModel).RequireAuthorization(Policies.Viewer)
            .WithSummary("The anomaly forest in use: version, when and from what it was trained");
        return app;
    }

    public static async Task<Results<Ok<IReadOnlyList<AnomalyScoreRecord>>, ProblemHttpResult>> GetAnomaliesAsync(
        string id, DateTimeOffset? from, DateTimeOffset? to, [FromQuery(Name = "min_score")] double? minScore, int? limit,
        IBackendStore store, IAnomalyStore anomalies, CancellationToken cancellationToken)
    {
        if (TelemetryApi.Range(from, to, out var start, out var end) is { } bad) return bad;
        double threshold = minScore ?? 0;
        if (threshold is < 0 or > 1 || double.IsNaN(threshold)) return Problems.BadRequest($"min_score must be between 0 and 1, got {threshold}");
        if (TelemetryApi.Limit(limit, out int take) is { } badLimit) return badLimit;
        if (await store.GetNodeAsync(id, cancellationToken) is null) return Problems.NotFound($"no node '{id}'");
        return TypedResults.Ok(await anomalies.QueryAnomaliesAsync(id, start, end, threshold, take, cancellationToken));
    }

    public static Results<Ok<AnomalyModelInfo>, ProblemHttpResult> GetModel(AnomalyDetector detector) =>
        detector.Info is { } info ? TypedResults.Ok(info)
            : Problems.NotFound("no anomaly model yet: the backend trains one once it has stored enough telemetry, or start it with an anomaly model file");
}
