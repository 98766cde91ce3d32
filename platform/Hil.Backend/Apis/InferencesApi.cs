using Hil.Backend.Security;
using Hil.Backend.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hil.Backend.Apis;

/// <summary>The on-device model's results per capture (from devices/{id}/events), by time of arrival.</summary>
public static class InferencesApi
{
    public static IEndpointRouteBuilder MapInferencesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Inferences");
        api.MapGet("/nodes/{id}/inferences", GetInferencesAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("A node's inference results (model and version, label, event flag, probabilities), oldest first");
        return app;
    }

    public static async Task<Results<Ok<IReadOnlyList<InferenceRecord>>, ProblemHttpResult>> GetInferencesAsync(
        string id, DateTimeOffset? from, DateTimeOffset? to, int? limit, IBackendStore store, CancellationToken cancellationToken)
    {
        if (TelemetryApi.Range(from, to, out var start, out var end) is { } bad) return bad;
        if (TelemetryApi.Limit(limit, out int take) is { } badLimit) return badLimit;
        if (await store.GetNodeAsync(id, cancellationToken) is null) return Problems.NotFound($"no node '{id}'");
        return TypedResults.Ok(await store.QueryInferencesAsync(id, start, end, take, cancellationToken));
    }
}
