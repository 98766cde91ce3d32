using System.Text.Json;
using Hil.Backend.Hosting;
using Hil.Backend.Operations;
using Hil.Backend.Storage;

namespace Hil.Backend.Ingest;

/// <summary>
/// Creates commands and pushes them to nodes over MQTT (`devices/{id}/commands`) when there is a broker link;
/// without one, nodes poll `GET .../commands/pending`.
/// </summary>
/// <remarks>
/// At least once: a node announces `online` on its status topic after it has subscribed to its commands, on every
/// new MQTT session. A command sent while the backend still believed an older session alive (the broker restarted,
/// the node's Wi-Fi dropped, and no last will has told us yet) went nowhere, and the broker keeps nothing for a clean
/// session. So each `online` sends the node everything it has not acknowledged yet; the node answers a command it
/// has already run with its first answer instead of running it again.
/// </remarks>
public sealed class CommandDispatcher(IBackendStore store, BackendOptions options, LiveFeed live, IServiceProvider services,
    ILogger<CommandDispatcher> log)
{
    // How long a send may wait for the broker's PUBACK: a link that is just failing would otherwise hold an operator's
    // request until the broker is back. The client keeps the publish and sends it on reconnect; the command stays queued.
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(5);

    private IDeviceLink? Link => services.GetService<IDeviceLink>();

    /// <summary>What a node receives for a command: `{"id","type","params"}`.</summary>
    public static byte[] Message(string id, string type, JsonElement? parameters) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["id"] = id, ["type"] = type, ["params"] = parameters ?? JsonSerializer.SerializeToElement(new { }),
        });

    /// <summary>The size a new command would have as sent (its id is always <see cref="IdLength"/> characters).</summary>
    public static int MessageSize(string type, JsonElement? parameters) => Message(new string('0', IdLength), type, parameters).Length;

    private const int IdLength = 16;

    public async Task<CommandRecord> CreateAsync(string nodeId, string type, JsonElement? parameters, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        var now = options.Time.GetUtcNow();
        var command = new CommandRecord(Guid.NewGuid().ToString("N")[..IdLength], nodeId, type, parameters, CommandStatus.Queued, now,
            now + (ttl ?? options.CommandTimeToLive), null, null, null, null, null);
        await store.CreateCommandAsync(command, cancellationToken);
        live.Publish(new LiveEvent("command", nodeId, command));
        await SendAsync(nodeId, redeliver: false, cancellationToken);
        return await store.GetCommandAsync(command.Id, cancellationToken) ?? command;
    }

    /// <summary>
    /// The node announced a new session (`online`): it gets every command it has not acknowledged, oldest first.
    /// Sent apart from the caller, the broker link's receive loop: a QoS 1 publish awaited there would wait for a
    /// PUBACK that the blocked loop never reads.
    /// </summary>
    public void NodeOnline(string nodeId) => InBackground(() => SendAsync(nodeId, redeliver: true, CancellationToken.None),
        $"commands for {nodeId} after its online announcement");

    /// <summary>
    /// The broker link is back: commands created while it was down are still queued, and nodes that kept their own
    /// sessions meanwhile will not announce themselves again, so their queued commands go now.
    /// </summary>
    public void LinkReconnected() => InBackground(async () =>
    {
        foreach (string nodeId in await store.NodesWithQueuedCommandsAsync(options.Time.GetUtcNow(), CancellationToken.None))
            await SendAsync(nodeId, redeliver: false, CancellationToken.None);
    }, "queued commands after the broker link came back");

    private void InBackground(Func<Task> send, string what) => _ = Task.Run(async () =>
    {
        try
        {
            await send();
        }
        catch (StoreUnavailableException e)
        {
            log.LogWarning("Not sent: {What} ({Error}); the node's next online announcement sends them", what, e.Message);
        }
        catch (Exception e)
        {
            // Nobody awaits this task: an exception left in it would vanish unseen.
            log.LogError(e, "Not sent: {What}; the node's next online announcement sends them", what);
        }
    });

    /// <summary>
    /// Publishes the node's queued commands (and with <paramref name="redeliver"/> the unacknowledged ones) if it is online,
    /// each marked delivered once the broker has taken it. When the broker link is down a command stays as it was, for the
    /// link's return or the node's next online announcement.
    /// </summary>
    private async Task SendAsync(string nodeId, bool redeliver, CancellationToken cancellationToken)
    {
        if (Link is not { } link) return;
        var node = await store.GetNodeAsync(nodeId, cancellationToken);
        // Only to nodes the broker says are online: the retained status is our presence signal, and an
        // offline node would otherwise have its commands marked delivered while nobody listened.
        if (node?.Online != true) return;
        foreach (var command in await store.CommandsToSendAsync(nodeId, redeliver, options.Time.GetUtcNow(), cancellationToken))
        {
            byte[] payload = Message(command.Id, command.Type, command.Params);
            if (payload.Length > options.MaxCommandBytes)
            {
                // Queued before the limit existed (or under a larger one): publishing it would only make the broker drop the
                // backend's link, again on every reconnect. It can never be delivered, so it ends here, saying why.
                string reason = $"not sent: {payload.Length} bytes as sent to the node, over the limit of {options.MaxCommandBytes}";
                log.LogWarning("Command {Command} for {Node} failed: {Reason}", command.Id, nodeId, reason);
                if (await store.FailCommandAsync(command.Id, reason, options.Time.GetUtcNow(), cancellationToken) is { } failed)
                    live.Publish(new LiveEvent("command", nodeId, failed));
                continue;
            }
            try
            {
                using var timeout = new CancellationTokenSource(SendTimeout, options.Time);
                using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                await link.PublishAsync($"devices/{nodeId}/commands", payload, false, sending.Token);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException
                                          || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                log.LogWarning("Command {Command} for {Node} not sent, the broker link is down ({Error}); it stays {Status} until the link is back or the node announces itself again",
                    command.Id, nodeId, e.Message, command.Status);
                return;
            }
            await store.MarkDeliveredAsync(command.Id, DeviceTopics.Transport, options.Time.GetUtcNow(), cancellationToken);
        }
    }
}
