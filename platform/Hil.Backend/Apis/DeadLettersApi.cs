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
            .WithSummary($"Refused broker payloads with their reasons, oldest first: each keeps its first {DeadLetter.KeptBytes} bytes with the whole size " +
                         $"and SHA-256; {DefaultPage} per page by default, a page stops at about {PageBytes / 1024} KiB of payload; " +
                         "page with ?after={last id} (a full page has a Link header to the next)");
        return app;
    }

    public const int DefaultPage = 100;
    /// <summary>Payload bytes (kept prefixes, as text and base64) a page holds at most, whatever the limit asked.</summary>
    public const int PageBytes = 1024 * 1024;

    public static async Task<Results<Ok<IReadOnlyList<DeadLetterRecord>>, ProblemHttpResult>> ListDeadLettersAsync(
        long? after, int? limit, HttpContext context, IBackendStore store, CancellationToken cancellationToken)
    {
        if (TelemetryApi.Limit(limit ?? DefaultPage, out int take) is { } badLimit) return badLimit;
        var letters = await store.ListDeadLettersAsync(after ?? 0, take, cancellationToken);
        var page = new List<DeadLetterRecord>(letters.Count);
        long bytes = 0;
        foreach (var letter in letters)
        {
            bytes += letter.Payload.Length + letter.PayloadBase64.Length;
            if (bytes > PageBytes && page.Count > 0) break;
            page.Add(letter);
        }
        if (page.Count > 0 && (page.Count < letters.Count || letters.Count == take))
            context.Response.Headers.Link = $"</api/v1/dead-letters?after={page[^1].Id}&limit={take}>; rel=\"next\"";
        return TypedResults.Ok<IReadOnlyList<DeadLetterRecord>>(page);
    }
}
