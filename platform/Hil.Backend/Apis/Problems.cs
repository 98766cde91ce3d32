using Hil.Backend.Hosting;
using Hil.Backend.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Hil.Backend.Apis;

/// <summary>ProblemDetails for the refusals the APIs share, each with a detail a caller can act on.</summary>
internal static class Problems
{
    public static ProblemHttpResult BadRequest(string detail) => TypedResults.Problem(detail, statusCode: 400, title: "Bad request");
    public static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(detail, statusCode: 404, title: "Not found");
    public static ProblemHttpResult Unprocessable(string detail) => TypedResults.Problem(detail, statusCode: 422, title: "Payload rejected");
    public static ProblemHttpResult Unauthorized(string detail) => TypedResults.Problem(detail, statusCode: 401, title: "Unauthorized");
    public static ProblemHttpResult Forbidden(string detail) => TypedResults.Problem(detail, statusCode: 403, title: "Forbidden");
    public static ProblemHttpResult Conflict(string detail) => TypedResults.Problem(detail, statusCode: 409, title: "Conflict");

    /// <summary>
    /// Who may act as node <paramref name="nodeId"/> (post telemetry, poll and acknowledge commands): its own API key,
    /// or anyone in open provisioning. A key or token that was presented but failed is always a 401, even when open.
    /// </summary>
    public static ProblemHttpResult? CheckDevice(HttpContext context, BackendOptions options, string? nodeId)
    {
        var user = context.User;
        bool presented = context.Request.Headers.ContainsKey(ApiKeys.Header) || context.Request.Headers.ContainsKey("Authorization");
        if (presented && user.Identity?.IsAuthenticated != true)
            return Unauthorized("the API key or token is unknown, revoked or expired");
        if (user.IsDevice())
            return nodeId is null || user.DeviceNode() == nodeId ? null : Forbidden($"this API key belongs to node '{user.DeviceNode()}', not '{nodeId}'");
        if (options.Provisioning == Provisioning.Open) return null;
        return user.Identity?.IsAuthenticated == true
            ? Forbidden("provisioning mode 'keys': only a device API key may do this")
            : Unauthorized($"provisioning mode 'keys': send the node's API key in the {ApiKeys.Header} header");
    }
}
