using Microsoft.Extensions.Logging;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Hil.Backend.Apis;
using Hil.Backend.Hosting;

namespace Hil.Backend.Tests.Support;

/// <summary>A real backend on a free loopback port over SQLite (temp folder) or a fresh PostgreSQL database.</summary>
public sealed class RunningBackend : IAsyncDisposable
{
    private readonly string _dataDirectory;
    public BackendHost Host { get; }
    public HttpClient Admin { get; }
    public HttpClient Anonymous { get; }

    private RunningBackend(BackendHost host, string dataDirectory)
    {
        (Host, _dataDirectory) = (host, dataDirectory);
        Anonymous = new HttpClient { BaseAddress = host.HttpAddress };
        Admin = Client(host.AdminToken);
    }

    public static async Task<RunningBackend> StartAsync(string storage, Func<BackendOptions, BackendOptions>? configure = null)
    {
        string data = Directory.CreateTempSubdirectory("hil-backend-").FullName;
        var options = new BackendOptions
        {
            HttpUrl = "http://127.0.0.1:0", DataDirectory = data, LogLevel = LogLevel.Warning,
            PostgresConnectionString = storage == "postgres" ? await (await TestDatabases.PostgresAsync()).CreateDatabaseAsync() : null,
        };
        options = configure?.Invoke(options) ?? options;
        return new RunningBackend(await BackendHost.StartAsync(options), data);
    }

    public HttpClient Client(string? bearer = null, string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = Host.HttpAddress };
        if (bearer is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (apiKey is not null) client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    public async Task<string> CreateUserAsync(string name, string role)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/users", new { name, role });
        Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<UserToken>())!.Token;
    }

    public async Task<CreatedApiKey> CreateKeyAsync(string node)
    {
        var response = await Admin.PostAsync($"/api/v1/nodes/{node}/keys", null);
        Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<CreatedApiKey>())!;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static int _nodes = Random.Shared.Next(1 << 20);
    /// <summary>A node id no other test uses, so tests sharing a backend never see each other's rows.</summary>
    public static string NewNodeId() => $"{Interlocked.Increment(ref _nodes):x12}";

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        Anonymous.Dispose();
        await Host.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
