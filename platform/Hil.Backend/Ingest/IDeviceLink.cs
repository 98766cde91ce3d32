namespace Hil.Backend.Ingest;

/// <summary>A message from a node as the broker delivered it.</summary>
public sealed record DeviceMessage(string Topic, ReadOnlyMemory<byte> Payload)
{
    /// <summary>
    /// Set by the handler when the message is queued rather than finished (its commit): the link acknowledges it to
    /// the broker only once this completes, so the broker keeps its copy until then. Cancelled: never acknowledged,
    /// the broker delivers it again on the next connection.
    /// </summary>
    public Task? Stored { get; set; }
}

/// <summary>
/// The backend's connection to the devices' broker, kept to two operations so the MQTT client behind it
/// (ours today, another tomorrow) can be swapped without touching ingest.
/// </summary>
public interface IDeviceLink : IAsyncDisposable
{
    /// <summary>
    /// Connects and subscribes to the node topics; <paramref name="onMessage"/> sees every message in order, and each is
    /// acknowledged to the broker once the handler has returned and the message's <see cref="DeviceMessage.Stored"/> task completed.
    /// </summary>
    Task StartAsync(Func<DeviceMessage, CancellationToken, Task> onMessage, CancellationToken cancellationToken = default);
    Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain = false, CancellationToken cancellationToken = default);

    /// <summary>Raised when the link is back after it was lost (not at the first connect).</summary>
    event Action? Reconnected;

    /// <summary>Whether the link is up now, and how often it was lost lately (what /ready reports).</summary>
    LinkHealth Health { get; }
}

/// <param name="LossesLastMinute">Times the link was lost in the last minute of the backend's clock: a link that keeps
/// being dropped (say, by a broker refusing what the backend sends) is up most of the time and still not working.</param>
public readonly record struct LinkHealth(bool Connected, int LossesLastMinute)
{
    public const int FlappingLosses = 3;
    public bool IsFlapping => LossesLastMinute >= FlappingLosses;
}
