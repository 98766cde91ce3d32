using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Hil.Backend.Anomaly;
using Hil.Backend.Apis;
using Hil.Backend.Ingest;
using Hil.Backend.Operations;
using Hil.Backend.Security;
using Hil.Backend.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.RateLimiting;

namespace Hil.Backend.Hosting;

/// <summary>The backend's composition: services in <see cref="AddBackend"/>, pipeline and routes in <see cref="MapBackend"/>.</summary>
public static class BackendSetup
{
    public const string RateLimitPolicy = "per-caller";

    public static WebApplicationBuilder AddBackend(this WebApplicationBuilder builder, BackendOptions options)
    {
        var services = builder.Services;
        builder.WebHost.UseUrls(options.HttpUrl);
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(options.LogLevel);
        if (options.ExtraLogger is { } extra) builder.Logging.AddProvider(extra);

        services.AddSingleton(options);
        services.AddSingleton<IBackendStore>(_ => options.PostgresConnectionString is { } pg
            ? new PostgresStore(pg)
            : new SqliteStore(Path.Combine(Directory.CreateDirectory(options.DataDirectory).FullName, "hil.db")));
        services.AddSingleton(new JwtTokens(options.JwtSigningKey ?? SigningKey(options.DataDirectory), options.Time));
        services.AddSingleton<BackendMetrics>().AddSingleton<LiveFeed>();
        services.AddSingleton<IngestPipeline>().AddHostedService(sp => sp.GetRequiredService<IngestPipeline>());
        services.AddSingleton<CommandDispatcher>().AddSingleton<DeviceTopics>();
        if (options.DeviceLink is { } link) services.AddSingleton(link);
        services.AddHostedService<DeviceLinkService>().AddHostedService<Maintenance>();
        services.AddAnomalyDetection(options);

        services.AddProblemDetails().AddExceptionHandler<ErrorHandling>();
        // Binding failures throw so that ErrorHandling can answer 400 with the parser's reason instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never);
        services.AddOpenApi();
        services.AddAuthentication(HilAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, HilAuthenticationHandler>(HilAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Viewer, p => p.RequireAuthenticatedUser().RequireAssertion(c => c.User.HasRole(Roles.Viewer)))
            .AddPolicy(Policies.Operator, p => p.RequireAuthenticatedUser().RequireAssertion(c => c.User.HasRole(Roles.Operator)))
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireAssertion(c => c.User.HasRole(Roles.Admin)));
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(RateLimitPolicy, context => RateLimitPartition.Get(CallerKey(context),
                key => new ClockTokenBucket(key.StartsWith(FailedPrefix, StringComparison.Ordinal) ? options.FailedAuthenticationPermits : options.RateLimitPermits,
                    options.RateLimitPeriod, options.Time)));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : options.RateLimitPeriod;
                rejected.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                rejected.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString();
                await rejected.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = rejected.HttpContext,
                    ProblemDetails = { Status = 429, Title = "Too many requests", Detail = $"rate limit of {options.RateLimitPermits} requests per {options.RateLimitPeriod} exceeded" },
                });
            };
        });
        return builder;
    }

    public static WebApplication MapBackend(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(BindingFailures.ExplainAsync);
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapOpenApi();
        var api = app.MapGroup("").RequireRateLimiting(RateLimitPolicy);
        api.MapTelemetryApi().MapInferencesApi().MapNodesApi().MapCommandsApi().MapDeadLettersApi().MapUsersApi().MapAnomaliesApi();
        app.MapOperationsApi();
        return app;
    }

    private const string FailedPrefix = "f:";

    /// <summary>
    /// The limiter's partition: who authentication (which runs first) says the caller is, a user by name or a device by
    /// key id; never the raw headers, which a caller can vary at will to get a fresh bucket per request. A request that
    /// presents credentials which fail counts against its address in a bucket of its own, so guessing is throttled; an
    /// anonymous one against its address.
    /// </summary>
    internal static string CallerKey(HttpContext context)
    {
        if (context.User.Identity?.IsAuthenticated == true) return "u:" + context.User.Identity.Name;
        bool presented = context.Request.Headers.ContainsKey(ApiKeys.Header) || context.Request.Headers.ContainsKey("Authorization");
        return (presented ? FailedPrefix : "a:") + context.Connection.RemoteIpAddress;
    }

    /// <summary>The JWT signing key kept in the data folder (owner-only), so tokens survive a restart.</summary>
    private static byte[] SigningKey(string dataDirectory)
    {
        string path = Path.Combine(Directory.CreateDirectory(dataDirectory).FullName, "jwt.key");
        if (File.Exists(path)) return File.ReadAllBytes(path);
        byte[] key = RandomNumberGenerator.GetBytes(32);
        File.WriteAllBytes(path, key);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return key;
    }
}
