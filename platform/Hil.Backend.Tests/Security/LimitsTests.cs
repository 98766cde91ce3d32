using Hil.Backend.Storage;
using System.Net;
using System.Net.Http.Json;
using Hil.Backend.Hosting;
using Hil.Backend.Tests.Support;

namespace Hil.Backend.Tests.Security;

public sealed class LimitsTests
{
    [Test]
    public async Task A_caller_over_its_rate_gets_429_with_retry_after_and_others_are_unaffected()
    {
        // A period of an hour: nothing refills during the test, so the fourth request is refused whatever the machine's speed.
        await using var backend = await RunningBackend.StartAsync("sqlite", o => o with { RateLimitPermits = 3, RateLimitPeriod = TimeSpan.FromHours(1) });
        string node = RunningBackend.NewNodeId();
        var key = await backend.CreateKeyAsync(node);
        using var device = backend.Client(apiKey: key.Key);
        string payload = $$"""{"node_id":"{{node}}","temp":21}""";
        for (int i = 0; i < 3; i++) await (await device.PostAsync("/api/v1/telemetry", RunningBackend.Json(payload))).JsonAsync(HttpStatusCode.Accepted);
        var refused = await device.PostAsync("/api/v1/telemetry", RunningBackend.Json(payload));
        await refused.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        var other = await backend.CreateKeyAsync(RunningBackend.NewNodeId());
        using var second = backend.Client(apiKey: other.Key);
        await (await second.GetAsync($"/api/v1/nodes/{other.NodeId}/commands/pending")).JsonAsync(HttpStatusCode.OK);
        await (await device.GetAsync("/health")).JsonAsync(HttpStatusCode.OK); // operations endpoints are not limited
    }

    [Test]
    public async Task The_rate_limit_refills_on_the_backends_clock_not_the_wall_clock()
    {
        var time = new ManualTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        await using var backend = await RunningBackend.StartAsync("sqlite", o => o with { Time = time, RateLimitPermits = 2, RateLimitPeriod = TimeSpan.FromMinutes(1) });
        string node = RunningBackend.NewNodeId();
        var key = await backend.CreateKeyAsync(node);
        using var device = backend.Client(apiKey: key.Key);
        string payload = $$"""{"node_id":"{{node}}","temp":21}""";
        for (int i = 0; i < 2; i++) await (await device.PostAsync("/api/v1/telemetry", RunningBackend.Json(payload))).JsonAsync(HttpStatusCode.Accepted);
        time.Advance(TimeSpan.FromSeconds(45));
        var refused = await device.PostAsync("/api/v1/telemetry", RunningBackend.Json(payload));
        await refused.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(15)));
        time.Advance(TimeSpan.FromSeconds(15));
        for (int i = 0; i < 2; i++) await (await device.PostAsync("/api/v1/telemetry", RunningBackend.Json(payload))).JsonAsync(HttpStatusCode.Accepted);
        await (await device.PostAsync("/api/v1/telemetry", RunningBackend.Json(payload))).ProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Test]
    public async Task A_database_that_goes_down_gives_503_with_retry_after_not_500()
    {
        var server = await ScratchPostgres.StartAsync();
        RunningBackend? backend = null;
        try
        {
            string connection = await server.CreateDatabaseAsync();
            backend = await RunningBackend.StartAsync("postgres", o => o with { PostgresConnectionString = connection });
            string node = RunningBackend.NewNodeId();
            await (await backend.Anonymous.PostAsync("/api/v1/telemetry", RunningBackend.Json($$"""{"node_id":"{{node}}"}"""))).JsonAsync(HttpStatusCode.Accepted);
            await server.DisposeAsync();

            var ready = await backend.Anonymous.GetAsync("/ready");
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            foreach (var response in new[]
                     {
                         await backend.Anonymous.PostAsync("/api/v1/telemetry", RunningBackend.Json($$"""{"node_id":"{{node}}"}""")),
                         await backend.Admin.GetAsync("/api/v1/nodes"),
                         await backend.Admin.PostAsJsonAsync($"/api/v1/nodes/{node}/commands", new { type = "reboot" }),
                     })
            {
                Assert.That(await response.ProblemAsync(HttpStatusCode.ServiceUnavailable), Does.Contain("database"));
                Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
            }
            // A client's own mistake is still its mistake while the database is down.
            await (await backend.Anonymous.PostAsync("/api/v1/telemetry", RunningBackend.Json("{"))).ProblemAsync(HttpStatusCode.UnprocessableEntity);
        }
        finally
        {
            if (backend is not null) await backend.DisposeAsync();
            await server.DisposeAsync();
        }
    }
}
