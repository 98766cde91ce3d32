using Hil.Backend.Hosting;
using Hil.Backend.Security;
using Hil.Backend.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hil.Backend.Apis;

public sealed record CreateUserRequest(string? Name, string? Role);

public sealed record UserToken(string Name, string Role, string Token);

public sealed record SetRoleRequest(string? Role);

public sealed record UserSummary(string Name, string Role);

public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        api.MapPost("/", CreateUserAsync)
            .WithSummary("Create a user with a role and issue a token (409 if the name is taken; a revoked name may be given again, its old tokens stay invalid)");
        api.MapPut("/{name}/role", SetRoleAsync).WithSummary("Change an active user's role (their tokens carry on, with the new role)");
        api.MapDelete("/{name}", RevokeUserAsync).WithSummary("Revoke a user: their tokens fail on the next request");
        return app;
    }

    public static async Task<Results<Created<UserToken>, ProblemHttpResult>> CreateUserAsync(
        CreateUserRequest request, IBackendStore store, JwtTokens tokens, BackendOptions options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 64 || !request.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            return Problems.BadRequest("'name' is required: 1 to 64 letters, digits, '-', '_' or '.'");
        if (RoleProblem(request.Role) is { } badRole) return badRole;
        var user = await store.CreateUserAsync(request.Name, request.Role!, options.Time.GetUtcNow(), cancellationToken);
        if (user is null)
            return Problems.Conflict($"user '{request.Name}' already exists; change a role with PUT /api/v1/users/{request.Name}/role");
        return TypedResults.Created($"/api/v1/users/{user.Name}",
            new UserToken(user.Name, user.Role, tokens.Issue(user.Name, user.TokenEpoch!, options.TokenLifetime)));
    }

    public static async Task<Results<Ok<UserSummary>, ProblemHttpResult>> SetRoleAsync(
        string name, SetRoleRequest request, IBackendStore store, CancellationToken cancellationToken)
    {
        if (RoleProblem(request.Role) is { } badRole) return badRole;
        return await store.SetUserRoleAsync(name, request.Role!, cancellationToken) is { } user
            ? TypedResults.Ok(new UserSummary(user.Name, user.Role)) : Problems.NotFound($"no active user '{name}'");
    }

    private static ProblemHttpResult? RoleProblem(string? role) => role is null || Roles.Rank(role) < 0
        ? Problems.BadRequest($"'role' must be one of {string.Join(", ", Roles.All)}, got '{role}'") : null;

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeUserAsync(
        string name, IBackendStore store, BackendOptions options, CancellationToken cancellationToken) =>
        await store.RevokeUserAsync(name, options.Time.GetUtcNow(), cancellationToken)
            ? TypedResults.NoContent() : Problems.NotFound($"no active user '{name}'");
}
