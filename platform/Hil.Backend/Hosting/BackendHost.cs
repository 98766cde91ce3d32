using Hil.Backend.Security;
using Hil.Backend.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Hil.Backend.Hosting;

/// <summary>
/// A running backend: migrated store, bound HTTP address, and an admin token to start with. Used by
/// `hil platform up` and by the tests (which start it on port 0).
/// </summary>
public sealed class BackendHost : IAsyncDisposable
{
    public const string BootstrapAdmin = "admin";
    private readonly WebApplication _app;
    private int _disposed;

    private BackendHost(WebApplication app, Uri address, string adminToken) => (_app, HttpAddress, AdminToken) = (app, address, adminToken);

    public Uri HttpAddress { get; }
    /// <summary>A token for the bootstrap user <c>admin</c>, for creating other users and keys.</summary>
    public string AdminToken { get; }
    public IServiceProvider Services => _app.Services;
    public IBackendStore Store => _app.Services.GetRequiredService<IBackendStore>();

    public static async Task<BackendHost> StartAsync(BackendOptions options, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.AddBackend(options);
        var app = builder.Build();
        app.MapBackend();
        string adminEpoch;
        try
        {
            var store = app.Services.GetRequiredService<IBackendStore>();
            await store.MigrateAsync(cancellationToken);
            var admin = await store.EnsureUserAsync(BootstrapAdmin, Roles.Admin, options.Time.GetUtcNow(), cancellationToken);
            adminEpoch = admin.TokenEpoch!;
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        string token = app.Services.GetRequiredService<JwtTokens>().Issue(BootstrapAdmin, adminEpoch, options.TokenLifetime);
        return new BackendHost(app, new Uri(bound), token);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
