using System.Net;
using System.Text.Json;

namespace Hil.Backend.Tests.Support;

internal static class Http
{
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts a ProblemDetails answer with this status and returns its detail.</summary>
    public static async Task<string> ProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"),
            $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var problem = await response.JsonAsync(expected);
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo((int)expected));
        return problem.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : "";
    }

    /// <summary>Polls <paramref name="probe"/> until it holds; the timeout message says what was last seen.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        T last = await probe();
        while (!done(last))
        {
            if (cts.IsCancellationRequested) Assert.Fail($"timed out waiting for {what}; last seen: {Describe(last)}");
            await Task.Yield();
            await Task.Delay(20, CancellationToken.None); // polling interval of the condition, not a readiness guess
            last = await probe();
        }
        return last;
    }

    private static string Describe<T>(T value) => value is JsonElement e ? e.GetRawText() : value?.ToString() ?? "null";
}
