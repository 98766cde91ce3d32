using System.Text;
using System.Text.Json;
using Hil.Backend.Operations;
using Hil.Backend.Protocol;
using Hil.Backend.Storage;

namespace Hil.Backend.Ingest;

/// <summary>
/// Routes broker messages by the contract's topics (`devices/{id}/telemetry|events|status|logs|acks`).
/// Anything it cannot use — a bad topic, a broken payload, an ack for no command — becomes a dead letter.
/// </summary>
public sealed class DeviceTopics(IngestPipeline pipeline, IBackendStore store, CommandDispatcher commands, LiveFeed live,
    Hosting.BackendOptions options, ILogger<DeviceTopics> log)
{
    public const string Transport = "mqtt";
    public static readonly string[] Subscriptions = ["devices/+/telemetry", "devices/+/events", "devices/+/status", "devices/+/logs", "devices/+/acks"];

    public async Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken)
    {
        if (Route(message.Topic) is not var (node, kind))
        {
            await RejectAsync(message, "topic is not devices/{12 lowercase hex}/{kind}", cancellationToken);
            return;
        }
        var now = options.Time.GetUtcNow();
        try
        {
            switch (kind)
            {
                case "telemetry":
                    message.Stored = await pipeline.EnqueueAsync(message.Payload, Transport, message.Topic, node, cancellationToken);
                    break;
                case "status":
                    await StatusAsync(node, message, now, cancellationToken);
                    break;
                case "logs" or "events":
                    if (Text(message.Payload) is not { } text)
                    {
                        await RejectAsync(message, "payload is not UTF-8 text", cancellationToken);
                        break; // one dead letter per message: an event that is not text is not parsed as an inference too
                    }
                    await store.WriteNodeLogAsync(node, kind == "logs" ? "log" : "event", text, now, cancellationToken);
                    if (kind == "events") await InferenceAsync(node, message, now, cancellationToken);
                    break;
                case "acks":
                    await AckAsync(node, message, now, cancellationToken);
                    break;
                default:
                    await RejectAsync(message, $"unknown topic kind '{kind}'", cancellationToken);
                    break;
            }
        }
        catch (StoreUnavailableException e)
        {
            // Left unacknowledged: the broker delivers it again on the backend's next connection.
            log.LogError("Message on {Topic} not stored (left unacknowledged for the broker to deliver again): {Error}", message.Topic, e.Message);
            message.Stored = Task.FromCanceled(new CancellationToken(canceled: true));
        }
    }

    /// <summary>
    /// The node and kind of `devices/{id}/{kind}`, or null for any other shape. Read in place rather than split: this runs
    /// for every message, and the known kinds come back as the constants, so only the node id is a new string.
    /// </summary>
    internal static (string Node, string Kind)? Route(string topic)
    {
        const string Root = "devices/";
        if (!topic.StartsWith(Root, StringComparison.Ordinal)) return null;
        var rest = topic.AsSpan(Root.Length);
        int slash = rest.IndexOf('/');
        if (slash < 0 || !TelemetryParser.IsNodeId(rest[..slash])) return null;
        var kind = rest[(slash + 1)..];
        if (kind.Contains('/')) return null;
        return (rest[..slash].ToString(), kind switch
        {
            "telemetry" => "telemetry", "status" => "status", "logs" => "logs", "events" => "events", "acks" => "acks",
            _ => kind.ToString(),
        });
    }

    private async Task StatusAsync(string node, DeviceMessage message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string? status = Text(message.Payload)?.Trim();
        if (status is not ("online" or "offline"))
        {
            await RejectAsync(message, "status must be 'online' or 'offline'", cancellationToken);
            return;
        }
        await store.SetNodeStatusAsync(node, status == "online", now, cancellationToken);
        live.Publish(new LiveEvent("status", node, status));
        if (status == "online") commands.NodeOnline(node);
    }

    /// <summary>An event is also a capture's inference: stored for queries by time, or a dead letter saying why not.</summary>
    private async Task InferenceAsync(string node, DeviceMessage message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (inference, rejection) = TelemetryParser.ParseEvent(message.Payload.Span, node);
        if (inference is null)
        {
            await RejectAsync(message, rejection!, cancellationToken);
            return;
        }
        var record = InferenceRecord.From(node, now, inference);
        if (await store.WriteInferenceAsync(record, cancellationToken)) live.Publish(new LiveEvent("inference", node, record));
    }

    private async Task AckAsync(string node, DeviceMessage message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string? id = null, status = null, detail = null;
        try
        {
            using var doc = JsonDocument.Parse(message.Payload);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                id = root.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
                status = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                detail = root.TryGetProperty("detail", out var d) ? d.ValueKind == JsonValueKind.String ? d.GetString() : d.GetRawText() : null;
            }
        }
        catch (JsonException e)
        {
            await RejectAsync(message, $"malformed ack JSON: {e.Message}", cancellationToken);
            return;
        }
        if (id is null || status is not (CommandStatus.Done or CommandStatus.Failed))
        {
            await RejectAsync(message, "ack must be {\"id\": string, \"status\": \"done\"|\"failed\"}", cancellationToken);
            return;
        }
        await store.ExpireCommandsAsync(now, cancellationToken);
        var command = await store.CompleteCommandAsync(node, id, status, detail, Transport, now, cancellationToken);
        if (command is null && await store.GetCommandAsync(id, cancellationToken) is { } final && final.NodeId == node && final.Status == status)
            log.LogDebug("Repeated ack for command {Id} ({Status}) ignored: the node answered a redelivery", id, status);
        else if (command is null)
            await RejectAsync(message, $"ack for unknown, expired or already completed command '{id}'", cancellationToken);
        else
            live.Publish(new LiveEvent("command", node, command));
    }

    /// <summary>
    /// Stores the message as a dead letter with its reason; the broker's acknowledgement waits for that commit, like a
    /// stored row's (every rejection goes through here, so none can be acknowledged before it is kept).
    /// </summary>
    private async Task RejectAsync(DeviceMessage message, string reason, CancellationToken cancellationToken) =>
        message.Stored = await pipeline.DeadLetterAsync(Transport, message.Topic, reason, message.Payload, cancellationToken);

    private static string? Text(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(payload.Span);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
