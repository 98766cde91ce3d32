namespace Hil.Backend.Ingest;

/// <summary>Starts the broker link (when one is configured) and feeds its messages to <see cref="DeviceTopics"/>.</summary>
internal sealed class DeviceLinkService(IServiceProvider services, DeviceTopics topics) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        services.GetService<IDeviceLink>() is { } link ? link.StartAsync(topics.HandleAsync, cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
