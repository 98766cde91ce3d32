using Hil.Backend.Hosting;
using Microsoft.Extensions.Logging;

namespace Hil.Backend.Tests.Support;

/// <summary>Broker + backend as `hil platform up` runs them, on free loopback ports and a data folder of their own, with an admin client.</summary>
public sealed class RunningPlatform : IAsyncDisposable
{
    private readonly string _data;

    private RunningPlatform(PlatformHost host, string data)
    {
        (Host, _data) = (host, data);
        Admin = new HttpClient { BaseAddress = host.Backend.HttpAddress };
        Admin.DefaultRequestHeaders.Authorization = new("Bearer", host.Backend.AdminToken);
    }

    public PlatformHost Host { get; }
    public HttpClient Admin { get; }
    public string DataDirectory => _data;

    public static async Task<RunningPlatform> StartAsync(Func<BackendOptions, BackendOptions>? configure = null)
    {
        string data = Directory.CreateTempSubdirectory("hil-platform-").FullName;
        var options = new BackendOptions { HttpUrl = "http://127.0.0.1:0", DataDirectory = data, LogLevel = LogLevel.Warning };
        try
        {
            return new RunningPlatform(await PlatformHost.StartAsync(configure?.Invoke(options) ?? options), data);
        }
        catch
        {
            Directory.Delete(data, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Host.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}
