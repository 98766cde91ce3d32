using Hil.Backend.Security;
using Hil.Backend.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hil.Backend.Apis;

public static class DeadLettersApi
{
    public static IEndpointRouteBuilder MapDeadLettersApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1").WithTags("Dead letters")
            .MapGet("/dead-letters", ListDeadLettersAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("Refused broker payloads with their reasons, oldest first; page with ?after={last id}");
        return app;
    }

    public static async Task<Results<Ok<IReadOnlyList<DeadLetterRecord>>, ProblemHttpResult>> ListDeadLettersAsync(
        long? after, int? limit, IBackendStore store, CancellationToken cancellationToken)
    {
        if (TelemetryApi.Limit(limit, out int take) is { } badLimit) return badLimit;
        return TypedResults.Ok(await store.ListDeadLettersAsync(after ?? 0, take, cancellationToken));
    }
}
