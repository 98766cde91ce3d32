using System.Text.Json;
using Hil.Backend.Hosting;
using Hil.Backend.Operations;
using Hil.Backend.Storage;

namespace Hil.Backend.Ingest;

/// <summary>
/// Creates commands and pushes queued ones to nodes over MQTT (`devices/{id}/commands`) when there is a
/// broker link; without one, nodes poll `GET .../commands/pending`.
/// </summary>
public sealed class CommandDispatcher(IBackendStore store, BackendOptions options, LiveFeed live, IServiceProvider services)
{
    private IDeviceLink? Link => services.GetService<IDeviceLink>();

    public async Task<CommandRecord> CreateAsync(string nodeId, string type, JsonElement? parameters, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        var now = options.Time.GetUtcNow();
        var command = new CommandRecord(Guid.NewGuid().ToString("N")[..16], nodeId, type, parameters, CommandStatus.Queued, now,
            now + (ttl ?? options.CommandTimeToLive), null, null, null, null, null);
        await store.CreateCommandAsync(command, cancellationToken);
        live.Publish(new LiveEvent("command", nodeId, command));
        await DeliverQueuedAsync(nodeId, cancellationToken);
        return await store.GetCommandAsync(command.Id, cancellationToken) ?? command;
    }

    /// <summary>Publishes every queued command of a node (called on creation and when the node comes online).</summary>
    public async Task DeliverQueuedAsync(string nodeId, CancellationToken cancellationToken)
    {
        if (Link is not { } link) return;
        var node = await store.GetNodeAsync(nodeId, cancellationToken);
        // Only to nodes the broker says are online: the retained status is our presence signal, and an
        // offline node would otherwise have its commands marked delivered while nobody listened.
        if (node?.Online != true) return;
        foreach (var command in await store.TakeQueuedCommandsAsync(nodeId, "mqtt", options.Time.GetUtcNow(), cancellationToken))
        {
            byte[] payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
            {
                ["id"] = command.Id, ["type"] = command.Type, ["params"] = command.Params ?? JsonSerializer.SerializeToElement(new { }),
            });
            await link.PublishAsync($"devices/{nodeId}/commands", payload, false, cancellationToken);
        }
    }
}
