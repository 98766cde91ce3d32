using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Hil.Backend.Hosting;
using Hil.Mqtt.Broker;
using Microsoft.Extensions.Logging;

namespace Hil.Steps.Drivers;

/// <summary>
/// One started platform as a scenario gets it: the embedded broker and the backend on SQLite in a folder of its
/// own, on loopback ports the OS picked, with the broker's traffic recorder and an operator's API client.
/// Every scenario's platform is started in the default configuration here (<see cref="PlatformPool"/>).
/// </summary>
public sealed class PreparedPlatform : IAsyncDisposable
{
    private PreparedPlatform(PlatformHost host, string dataDirectory, ConcurrentQueue<BrokerMessageEvent> traffic, HttpClient api) =>
        (Host, DataDirectory, Traffic, Api) = (host, dataDirectory, traffic, api);

    public PlatformHost Host { get; }

    /// <summary>The backend's data folder (deleted on dispose).</summary>
    public string DataDirectory { get; }

    /// <summary>Every message the broker received or delivered, oldest first.</summary>
    public ConcurrentQueue<BrokerMessageEvent> Traffic { get; }

    /// <summary>The backend's HTTP API as the bootstrap admin (an operator).</summary>
    public HttpClient Api { get; }

    public static async Task<PreparedPlatform> StartAsync(CancellationToken cancellationToken)
    {
        string data = Directory.CreateTempSubdirectory("hil-scenario-platform-").FullName;
        PlatformHost host;
        try
        {
            host = await PlatformHost.StartAsync(new BackendOptions
            {
                HttpUrl = "http://127.0.0.1:0", DataDirectory = data, LogLevel = LogLevel.Warning,
                // A scenario hammers the API on purpose (latency samples); the rate limit is tested elsewhere.
                RateLimitPermits = 1_000_000,
            }, cancellationToken: cancellationToken);
        }
        catch
        {
            DeleteFolder(data);
            throw;
        }
        var traffic = new ConcurrentQueue<BrokerMessageEvent>();
        host.Broker!.Observe = traffic.Enqueue;
        var api = new HttpClient { BaseAddress = host.Backend.HttpAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.Backend.AdminToken);
        return new PreparedPlatform(host, data, traffic, api);
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Host.DisposeAsync();
        DeleteFolder(DataDirectory);
    }

    private static void DeleteFolder(string folder)
    {
        try { Directory.Delete(folder, recursive: true); }
        catch (IOException) { /* SQLite's pool may still hold the file for a moment; the temp folder is cleaned by the OS */ }
    }
}
