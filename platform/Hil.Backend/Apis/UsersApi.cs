using Hil.Backend.Hosting;
using Hil.Backend.Security;
using Hil.Backend.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hil.Backend.Apis;

public sealed record CreateUserRequest(string? Name, string? Role);

public sealed record UserToken(string Name, string Role, string Token);

public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        api.MapPost("/", CreateUserAsync).WithSummary("Create (or re-enable) a user with a role and issue a token");
        api.MapDelete("/{name}", RevokeUserAsync).WithSummary("Revoke a user: their tokens fail on the next request");
        return app;
    }

    public static async Task<Results<Created<UserToken>, ProblemHttpResult>> CreateUserAsync(
        CreateUserRequest request, IBackendStore store, JwtTokens tokens, BackendOptions options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 64 || !request.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            return Problems.BadRequest("'name' is required: 1 to 64 letters, digits, '-', '_' or '.'");
        if (request.Role is null || Roles.Rank(request.Role) < 0)
            return Problems.BadRequest($"'role' must be one of {string.Join(", ", Roles.All)}, got '{request.Role}'");
        var user = await store.UpsertUserAsync(request.Name, request.Role, options.Time.GetUtcNow(), cancellationToken);
        return TypedResults.Created($"/api/v1/users/{user.Name}", new UserToken(user.Name, user.Role, tokens.Issue(user.Name, options.TokenLifetime)));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeUserAsync(
        string name, IBackendStore store, BackendOptions options, CancellationToken cancellationToken) =>
        await store.RevokeUserAsync(name, options.Time.GetUtcNow(), cancellationToken)
            ? TypedResults.NoContent() : Problems.NotFound($"no active user '{name}'");
}
