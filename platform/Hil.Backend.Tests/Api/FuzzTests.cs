using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Hil.Backend.Operations;
using Hil.Backend.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Hil.Backend.Tests.Api;

public sealed class FuzzTests
{
    [Test]
    public async Task Ten_thousand_mutated_http_payloads_give_no_5xx_and_every_refusal_has_a_reason()
    {
        // The fuzzer is one caller sending as fast as it can; rate limiting has its own test.
        await using var backend = await RunningBackend.StartAsync("sqlite", o => o with { RateLimitPermits = 1_000_000 });
        const int count = 10_000, seed = 4242;
        var fuzzer = new PayloadFuzzer(seed, RunningBackend.NewNodeId());
        var payloads = Enumerable.Range(0, count).Select(_ => fuzzer.Next()).ToArray();
        var statuses = new int[count];
        var reasons = new string?[count];
        var outcomes = new string?[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var content = new ByteArrayContent(payloads[i]);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await backend.Anonymous.PostAsync("/api/v1/telemetry", content, ct);
            statuses[i] = (int)response.StatusCode;
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            if (statuses[i] == 202) outcomes[i] = body.RootElement.GetProperty("status").GetString();
            else reasons[i] = body.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
        });

        var serverErrors = Enumerable.Range(0, count).Where(i => statuses[i] >= 500).ToList();
        Assert.That(serverErrors, Is.Empty, () => $"seed {seed}: 5xx for payload {Convert.ToBase64String(payloads[serverErrors[0]])}");
        Assert.That(statuses.Distinct().Order(), Is.SubsetOf(new[] { 202, 413, 422 }));
        var unexplained = Enumerable.Range(0, count).Where(i => statuses[i] != 202 && string.IsNullOrWhiteSpace(reasons[i])).ToList();
        Assert.That(unexplained, Is.Empty, "every refusal carries a reason");
        Assert.That(statuses.Count(s => s == 202), Is.GreaterThan(count / 20), "the fuzzer also produced valid payloads");
        Assert.That(statuses.Count(s => s == 422), Is.GreaterThan(count / 2), "and mostly broken ones");
        long storedAnswers = outcomes.Count(o => o == "stored");
        Assert.That(backend.Host.Services.GetRequiredService<BackendMetrics>().Stored, Is.EqualTo(storedAnswers), "each 'stored' answer is one committed row");
    }
}
