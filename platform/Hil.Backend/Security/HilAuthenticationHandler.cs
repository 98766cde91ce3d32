using System.Security.Claims;
using System.Text.Encodings.Web;
using Hil.Backend.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Hil.Backend.Security;

/// <summary>
/// One scheme for both kinds of caller: users with a bearer JWT and devices with an API key. Each request
/// looks the user or key up in the store (revocation is immediate); the role comes from the store, not the token.
/// </summary>
public sealed class HilAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger,
    UrlEncoder encoder, IBackendStore store, JwtTokens tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "hil";
    public const string KindClaim = "hil:kind";
    public const string NodeClaim = "hil:node";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? authorization = Request.Headers.Authorization;
        if (authorization is not null)
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.Fail("unsupported authorization scheme");
            var (user, epoch, error) = tokens.Validate(authorization["Bearer ".Length..].Trim());
            if (user is null) return AuthenticateResult.Fail(error!);
            var record = await store.GetUserAsync(user, Context.RequestAborted);
            if (record is null) return AuthenticateResult.Fail("unknown user");
            if (record.RevokedAt is not null) return AuthenticateResult.Fail("user revoked");
            // The same name given to a new user (after a revocation) is a new epoch: an earlier holder's token stays dead.
            if (epoch is null || record.TokenEpoch is null || epoch != record.TokenEpoch)
                return AuthenticateResult.Fail("token issued before the user was revoked or created again: ask an admin for a new one");
            return Success(new Claim(ClaimTypes.Name, record.Name), new Claim(ClaimTypes.Role, record.Role), new Claim(KindClaim, "user"));
        }
        string? key = Request.Headers[ApiKeys.Header];
        if (key is not null)
        {
            var record = await store.FindApiKeyAsync(ApiKeys.Hash(key), Context.RequestAborted);
            if (record is null) return AuthenticateResult.Fail("unknown API key");
            if (record.RevokedAt is not null) return AuthenticateResult.Fail("API key revoked");
            return Success(new Claim(ClaimTypes.Name, "key:" + record.Id), new Claim(NodeClaim, record.NodeId), new Claim(KindClaim, "device"));
        }
        return AuthenticateResult.NoResult();
    }

    private AuthenticateResult Success(params Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"Bearer realm=\"hil\", ApiKey header=\"{ApiKeys.Header}\"";
        // Say why (revoked, expired, unknown) without echoing what was presented.
        await Context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = 401, Title = "Unauthorized",
                Detail = result.Failure?.Message ?? $"send a bearer token (users) or the {ApiKeys.Header} header (devices)",
            },
        });
    }
}

public static class Policies
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static bool IsDevice(this ClaimsPrincipal user) => user.FindFirstValue(HilAuthenticationHandler.KindClaim) == "device";
    public static string? DeviceNode(this ClaimsPrincipal user) => user.FindFirstValue(HilAuthenticationHandler.NodeClaim);

    /// <summary>A user of at least <paramref name="role"/>; roles are ordered viewer &lt; operator &lt; admin.</summary>
    public static bool HasRole(this ClaimsPrincipal user, string role) =>
        user.FindFirstValue(HilAuthenticationHandler.KindClaim) == "user" &&
        Roles.Rank(user.FindFirstValue(ClaimTypes.Role) ?? "") >= Roles.Rank(role);
}
