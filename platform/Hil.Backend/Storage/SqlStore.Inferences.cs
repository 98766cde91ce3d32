using System.Data.Common;
using Dapper;
using Hil.Backend.Protocol;

namespace Hil.Backend.Storage;

/// <summary>
/// One stored on-device inference (a capture's result from <c>devices/{id}/events</c>). <see cref="IsEvent"/> is
/// the node's flag; <see cref="PNormal"/> completes the softmax pair.
/// </summary>
public sealed record InferenceRecord(string NodeId, DateTimeOffset ReceivedAt, long? Boot, long? Capture, long? UptimeMs, string Model,
    long? ModelVersion, string Label, double PEvent, double? Rms, double? SpikeRatio, bool? Spike, bool? SpikeTrusted, long? History, long? Frames)
{
    public bool IsEvent => Label == "event";
    public double PNormal => 1 - PEvent;

    public static InferenceRecord From(string nodeId, DateTimeOffset receivedAt, InferenceEvent e) => new(nodeId, receivedAt, e.Boot, e.Capture,
        e.UptimeMs, e.Model, e.ModelVersion, e.Label, e.PEvent, e.Rms, e.SpikeRatio, e.Spike, e.SpikeTrusted, e.History, e.Frames);
}

internal sealed class InferenceRow
{
    public string NodeId { get; set; } = "";
    public long ReceivedMs { get; set; }
    public long? Boot { get; set; }
    public long? Capture { get; set; }
    public long? UptimeMs { get; set; }
    public string Model { get; set; } = "";
    public long? ModelVersion { get; set; }
    public string Label { get; set; } = "";
    public double PEvent { get; set; }
    public double? Rms { get; set; }
    public double? SpikeRatio { get; set; }
    public long? Spike { get; set; }
    public long? SpikeTrusted { get; set; }
    public long? History { get; set; }
    public long? Frames { get; set; }

    public static InferenceRow From(InferenceRecord r) => new()
    {
        NodeId = r.NodeId, ReceivedMs = Ms.Of(r.ReceivedAt), Boot = r.Boot, Capture = r.Capture, UptimeMs = r.UptimeMs, Model = r.Model,
        ModelVersion = r.ModelVersion, Label = r.Label, PEvent = r.PEvent, Rms = r.Rms, SpikeRatio = r.SpikeRatio, Spike = Flag(r.Spike),
        SpikeTrusted = Flag(r.SpikeTrusted), History = r.History, Frames = r.Frames,
    };

    public InferenceRecord ToRecord() => new(NodeId, Ms.At(ReceivedMs), Boot, Capture, UptimeMs, Model, ModelVersion, Label, PEvent, Rms,
        SpikeRatio, Spike is { } s ? s != 0 : null, SpikeTrusted is { } t ? t != 0 : null, History, Frames);

    private static long? Flag(bool? value) => value is { } v ? v ? 1 : 0 : null;
}

public abstract partial class SqlStore
{
    /// <summary>The migration adding inferences, in a dialect's types (<paramref name="id"/>: its auto-numbered key type).</summary>
    protected static string InferenceTables(string id, string integer, string real, string text) => $"""
        ALTER TABLE telemetry ADD COLUMN model_version {integer};
        CREATE TABLE inferences (id {id} PRIMARY KEY, node_id {text} NOT NULL, received_ms {integer} NOT NULL, boot {integer}, capture {integer},
            uptime_ms {integer}, model {text} NOT NULL, model_version {integer}, label {text} NOT NULL, p_event {real} NOT NULL,
            rms {real}, spike_ratio {real}, spike {integer}, spike_trusted {integer}, history {integer}, frames {integer});
        CREATE INDEX ix_inferences_node_time ON inferences (node_id, received_ms);
        CREATE UNIQUE INDEX ux_inferences_identity ON inferences (node_id, boot, capture) WHERE boot IS NOT NULL AND capture IS NOT NULL;
        """;

    private const string InferenceColumns =
        "node_id, received_ms, boot, capture, uptime_ms, model, model_version, label, p_event, rms, spike_ratio, spike, spike_trusted, history, frames";

    public Task<bool> WriteInferenceAsync(InferenceRecord inference, CancellationToken cancellationToken = default) =>
        UseAsync(async c => await c.ExecuteAsync($"""
            INSERT INTO inferences ({InferenceColumns})
            VALUES (@NodeId, @ReceivedMs, @Boot, @Capture, @UptimeMs, @Model, @ModelVersion, @Label, @PEvent, @Rms, @SpikeRatio, @Spike,
                    @SpikeTrusted, @History, @Frames)
            ON CONFLICT DO NOTHING
            """, InferenceRow.From(inference)) == 1, cancellationToken);

    public Task<IReadOnlyList<InferenceRecord>> QueryInferencesAsync(string nodeId, DateTimeOffset from, DateTimeOffset to, int limit,
        CancellationToken cancellationToken = default) =>
        UseAsync<IReadOnlyList<InferenceRecord>>(async c => (await c.QueryAsync<InferenceRow>($"""
            SELECT {InferenceColumns} FROM inferences WHERE node_id = @nodeId AND received_ms >= @from AND received_ms < @to
            ORDER BY received_ms, id LIMIT @limit
            """, new { nodeId, from = Ms.Of(from), to = Ms.Of(to), limit = (long)limit })).Select(r => r.ToRecord()).ToList(), cancellationToken);

    /// <summary>Retention treats inferences like telemetry.</summary>
    protected static Task DeleteInferencesBeforeAsync(DbConnection connection, DateTimeOffset cutoff) =>
        connection.ExecuteAsync("DELETE FROM inferences WHERE received_ms < @cutoff", new { cutoff = Ms.Of(cutoff) });
}
