using Hil.Backend.Storage;

namespace Hil.Backend.Hosting;

/// <summary>Periodic upkeep on the injected clock: expire overdue commands, apply the telemetry retention.</summary>
internal sealed class Maintenance(IBackendStore store, BackendOptions options, ILogger<Maintenance> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.MaintenanceInterval, options.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var now = options.Time.GetUtcNow();
                    await store.ExpireCommandsAsync(now, stoppingToken);
                    if (options.Retention is { } keep) await store.ApplyRetentionAsync(now - keep, stoppingToken);
                }
                catch (StoreUnavailableException e)
                {
                    log.LogWarning("Maintenance skipped: {Error}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
