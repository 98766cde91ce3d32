using System.Text.Json;

namespace Hil.Backend.Protocol;

/// <summary>
/// One on-device inference from <c>devices/{id}/events</c> (firmware/README.md, "Telemetry"): a capture's
/// result. (<see cref="Boot"/>, <see cref="Capture"/>) identifies it, so a redelivery is stored once.
/// Fields older firmware does not send stay null.
/// </summary>
public sealed record InferenceEvent(long? Boot, long? Capture, long? UptimeMs, string Model, long? ModelVersion, string Label,
    double PEvent, double? Rms, double? SpikeRatio, bool? Spike, bool? SpikeTrusted, long? History, long? Frames);

public static partial class TelemetryParser
{
    /// <summary>An inference event published by node <paramref name="nodeId"/>; its node_id, when present, must be that node.</summary>
    public static (InferenceEvent? Event, string? Rejection) ParseEvent(ReadOnlySpan<byte> payload, string nodeId) =>
        ParseRoot(payload, EventFields, "event", (in Fields fields) => ReadEvent(fields, nodeId));

    private static readonly FieldNames EventFields = new("node_id", "label", "boot", "capture", "uptime_ms", "model", "model_version",
        "p_event", "rms", "spike_ratio", "spike", "spike_trusted", "history", "frames");

    private static InferenceEvent ReadEvent(in Fields fields, string nodeId)
    {
        if (Text(fields, "node_id", 64) is { } id && id != nodeId)
            throw new PayloadException($"field 'node_id' is '{id}' on the topic of node {nodeId}");
        string label = Text(fields, "label", 16, required: true)!;
        if (label is not ("normal" or "event"))
            throw new PayloadException($"field 'label' must be 'normal' or 'event', got '{label}'");
        return new InferenceEvent(
            Boot: Integer(fields, "boot", 0, uint.MaxValue),
            Capture: Integer(fields, "capture", 0, uint.MaxValue),
            UptimeMs: Integer(fields, "uptime_ms", 0, long.MaxValue),
            Model: Text(fields, "model", 64, required: true)!,
            ModelVersion: Integer(fields, "model_version", 1, uint.MaxValue),
            Label: label,
            PEvent: Number(fields, "p_event", 0, 1, required: true)!.Value,
            Rms: Number(fields, "rms", 0, 1e6),
            SpikeRatio: Number(fields, "spike_ratio", 0, 1e6),
            Spike: Boolean(fields, "spike"),
            SpikeTrusted: Boolean(fields, "spike_trusted"),
            History: Integer(fields, "history", 0, uint.MaxValue),
            Frames: Integer(fields, "frames", 0, uint.MaxValue));
    }

    private static bool? Boolean(in Fields fields, string name)
    {
        if (!fields.TryGetValue(name, out var value)) return null;
        return value.Kind switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => throw new PayloadException($"field '{name}' must be true or false, got {Describe(value)}"),
        };
    }
}
