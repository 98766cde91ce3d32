using System.Net;
using Hil.Backend.Operations;
using Hil.Backend.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Hil.Backend.Tests.Api;

public sealed class LiveStreamTests
{
    [Test]
    public async Task Stored_telemetry_appears_on_the_event_stream()
    {
        await using var backend = await RunningBackend.StartAsync("sqlite");
        using var viewer = backend.Client(await backend.CreateUserAsync("watcher", "viewer"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        // The server sends its headers with the first event, so the request is left pending while we cause one.
        var responding = viewer.GetAsync("/api/v1/stream", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var feed = backend.Host.Services.GetRequiredService<LiveFeed>();
        await Http.EventuallyAsync(() => Task.FromResult(feed.SubscriberCount), n => n > 0, "the stream's subscription");

        string node = RunningBackend.NewNodeId();
        await (await backend.Anonymous.PostAsync("/api/v1/telemetry", RunningBackend.Json($$"""{"node_id":"{{node}}","temp":19.5}""")))
            .JsonAsync(HttpStatusCode.Accepted);
        using var response = await responding;
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        string? eventType = null;
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) eventType = line["event: ".Length..];
            if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains(node)) break;
        }
        Assert.That(eventType, Is.EqualTo("telemetry"));
        await (await backend.Anonymous.GetAsync("/api/v1/stream")).ProblemAsync(HttpStatusCode.Unauthorized);
    }
}
