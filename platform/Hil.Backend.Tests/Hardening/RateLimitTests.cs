using System.Net;
using Hil.Backend.Tests.Support;

namespace Hil.Backend.Tests.Hardening;

/// <summary>What a caller may change in its requests without becoming another caller to the rate limiter.</summary>
public sealed class RateLimitTests
{
    private const int Permits = 5;

    // A period of an hour: nothing refills during a test, so the counts do not depend on the machine's speed.
    private static Task<RunningBackend> StartAsync() => RunningBackend.StartAsync("sqlite",
        o => o with { RateLimitPermits = Permits, FailedAuthenticationPermits = Permits, RateLimitPeriod = TimeSpan.FromHours(1) });

    private static async Task<HttpStatusCode[]> SendAsync(RunningBackend backend, int count, Action<HttpRequestMessage, int> decorate)
    {
        using var client = new HttpClient { BaseAddress = backend.Host.HttpAddress };
        var codes = new HttpStatusCode[count];
        for (int i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/nodes");
            decorate(request, i);
            codes[i] = (await client.SendAsync(request)).StatusCode;
        }
        return codes;
    }

    [Test]
    public async Task A_token_with_a_junk_api_key_header_on_every_request_is_still_one_caller()
    {
        await using var backend = await StartAsync();
        string token = await backend.CreateUserAsync("v1", "viewer");

        var codes = await SendAsync(backend, Permits + 3, (r, i) =>
        {
            r.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
            r.Headers.TryAddWithoutValidation("X-Api-Key", $"junk{i}");
        });

        Assert.That(codes, Is.EqualTo(Enumerable.Repeat(HttpStatusCode.OK, Permits).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3))));
    }

    [Test]
    public async Task A_token_with_other_spaces_after_bearer_on_every_request_is_still_one_caller()
    {
        await using var backend = await StartAsync();
        string token = await backend.CreateUserAsync("v2", "viewer");

        var codes = await SendAsync(backend, Permits + 3, (r, i) => r.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string(' ', i) + token));

        Assert.That(codes, Is.EqualTo(Enumerable.Repeat(HttpStatusCode.OK, Permits).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3))));
    }

    [Test]
    public async Task Guessing_api_keys_from_one_address_is_throttled()
    {
        await using var backend = await StartAsync();

        var codes = await SendAsync(backend, Permits + 3, (r, i) => r.Headers.TryAddWithoutValidation("X-Api-Key", $"hil_guess{i}"));

        Assert.That(codes, Is.EqualTo(Enumerable.Repeat(HttpStatusCode.Unauthorized, Permits).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3))));
    }
}
