using Hil.Backend.Storage;
using Microsoft.AspNetCore.Diagnostics;

namespace Hil.Backend.Hosting;

/// <summary>
/// Maps what escapes a handler to a status a client can act on: a caller's malformed request is a 4xx with
/// the parser's reason, an unreachable database is 503 with Retry-After; only defects remain 500, without detail.
/// </summary>
internal sealed class ErrorHandling(IProblemDetailsService problems, ILogger<ErrorHandling> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        (int status, string title, string detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.InnerException?.Message is { } inner ? $"{bad.Message} {inner}" : bad.Message),
            StoreUnavailableException => (503, "Service unavailable", "the database is unavailable; retry later"),
            OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, "Client closed request", ""),
            _ => (500, "Internal error", "an unexpected error; see the server log"),
        };
        if (status == 503)
        {
            context.Response.Headers.RetryAfter = "5";
            log.LogWarning("Database unavailable: {Error}", exception.Message);
        }
        else if (status == 500)
        {
            log.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
        }
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context, Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
