namespace Hil.Backend.Ingest;

/// <summary>Starts the broker link (when one is configured), feeds its messages to <see cref="DeviceTopics"/> and tells the commands when it is back.</summary>
internal sealed class DeviceLinkService(IServiceProvider services, DeviceTopics topics, CommandDispatcher commands) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IDeviceLink>() is not { } link) return Task.CompletedTask;
        link.Reconnected += commands.LinkReconnected;
        return link.StartAsync(topics.HandleAsync, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
