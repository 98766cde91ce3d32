using System.Text;
using System.Text.Json;
using Hil.Backend.Protocol;

namespace Hil.Backend.Storage;

// Column-shaped classes for Dapper. Times are stored as Unix milliseconds (bigint) in both databases so
// that the same SQL, bucketing arithmetic included, runs on SQLite and PostgreSQL.
internal static class Ms
{
    public static long Of(DateTimeOffset t) => t.ToUnixTimeMilliseconds();
    public static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    public static DateTimeOffset? At(long? ms) => ms is { } v ? At(v) : null;
}

internal sealed class NodeRow
{
    public string Id { get; set; } = "";
    public string? Fw { get; set; }
    public long ProtocolVersion { get; set; }
    public long FirstSeenMs { get; set; }
    public long LastSeenMs { get; set; }
    public long? Online { get; set; }
    public long? StatusMs { get; set; }
    public long MessageCount { get; set; }
    public NodeRecord ToRecord() => new(Id, Fw, (int)ProtocolVersion, Ms.At(FirstSeenMs), Ms.At(LastSeenMs),
        Online is { } o ? o != 0 : null, Ms.At(StatusMs), MessageCount);
}

internal sealed class TelemetryRow
{
    public string NodeId { get; set; } = "";
    public long ReceivedMs { get; set; }
    public string Transport { get; set; } = "";
    public long Version { get; set; }
    public string? Fw { get; set; }
    public long? Boot { get; set; }
    public long? Seq { get; set; }
    public long? UptimeMs { get; set; }
    public double? TemperatureC { get; set; }
    public double? HumidityPct { get; set; }
    public long? BatteryMv { get; set; }
    public long? RssiDbm { get; set; }
    public long? ErrorFlags { get; set; }
    public double? AudioRms { get; set; }
    public double? AudioSpikeRatio { get; set; }
    public string? AudioBins { get; set; }
    public string? Model { get; set; }
    public string? Label { get; set; }
    public double? PEvent { get; set; }
    public long? ModelVersion { get; set; }

    public static TelemetryRow From(IngestedTelemetry item)
    {
        var m = item.Message;
        return new TelemetryRow
        {
            NodeId = m.NodeId, ReceivedMs = Ms.Of(item.ReceivedAt), Transport = item.Transport, Version = m.Version,
            Fw = m.Firmware, Boot = m.Boot, Seq = m.Seq, UptimeMs = m.UptimeMs, TemperatureC = m.TemperatureC,
            HumidityPct = m.HumidityPct, BatteryMv = m.BatteryMv, RssiDbm = m.RssiDbm, ErrorFlags = m.ErrorFlags,
            AudioRms = m.Audio?.Rms, AudioSpikeRatio = m.Audio?.SpikeRatio,
            AudioBins = m.Audio is null ? null : JsonSerializer.Serialize(m.Audio.Bins),
            Model = m.Inference?.Model, Label = m.Inference?.Label, PEvent = m.Inference?.PEvent, ModelVersion = m.Inference?.ModelVersion,
        };
    }

    public TelemetryRecord ToRecord() => new(NodeId, Ms.At(ReceivedMs), Transport, (int)Version, Fw, Boot, Seq, UptimeMs,
        TemperatureC, HumidityPct, BatteryMv, RssiDbm, ErrorFlags,
        AudioRms is { } rms ? new AudioFeatures(rms, AudioSpikeRatio ?? 0, JsonSerializer.Deserialize<double[]>(AudioBins ?? "[]")!) : null,
        Model is not null ? new InferenceResult(Model, Label ?? "", PEvent ?? 0, ModelVersion) : null);
}

internal sealed class BucketRow
{
    public long BucketMs { get; set; }
    public long N { get; set; }
    public double? TAvg { get; set; }
    public double? TMin { get; set; }
    public double? TMax { get; set; }
    public double? HAvg { get; set; }
    public double? HMin { get; set; }
    public double? HMax { get; set; }
    public AggregateBucket ToRecord() => new(Ms.At(BucketMs), N, TAvg, TMin, TMax, HAvg, HMin, HMax);
}

internal sealed class DeadLetterRow
{
    public long Id { get; set; }
    public long ReceivedMs { get; set; }
    public string Transport { get; set; } = "";
    public string? Topic { get; set; }
    public string Reason { get; set; } = "";
    public byte[] Payload { get; set; } = [];
    public long? PayloadSize { get; set; }
    public string? PayloadSha256 { get; set; }
    // Rows from before migration 6 kept the whole payload and have no size or digest of their own.
    public DeadLetterRecord ToRecord() => new(Id, Ms.At(ReceivedMs), Transport, Topic, Reason,
        Encoding.UTF8.GetString(Payload), Convert.ToBase64String(Payload), PayloadSize ?? Payload.Length, PayloadSha256,
        (PayloadSize ?? Payload.Length) > Payload.Length);
}

internal sealed class CommandRow
{
    public string Id { get; set; } = "";
    public string NodeId { get; set; } = "";
    public string Type { get; set; } = "";
    public string? Params { get; set; }
    public string Status { get; set; } = "";
    public long CreatedMs { get; set; }
    public long ExpiresMs { get; set; }
    public long? DeliveredMs { get; set; }
    public string? DeliveredVia { get; set; }
    public long? CompletedMs { get; set; }
    public long? ExpiredMs { get; set; }
    public string? Detail { get; set; }
    public long Deliveries { get; set; }

    public CommandRecord ToRecord() => new(Id, NodeId, Type,
        Params is null ? null : JsonDocument.Parse(Params).RootElement.Clone(), Status, Ms.At(CreatedMs), Ms.At(ExpiresMs),
        Ms.At(DeliveredMs), DeliveredVia, Ms.At(CompletedMs), Ms.At(ExpiredMs), Detail, (int)Deliveries);
}

internal sealed class LogRow
{
    public long Id { get; set; }
    public string NodeId { get; set; } = "";
    public long ReceivedMs { get; set; }
    public string Kind { get; set; } = "";
    public string Text { get; set; } = "";
    public NodeLogRecord ToRecord() => new(Id, NodeId, Ms.At(ReceivedMs), Kind, Text);
}

internal sealed class UserRow
{
    public string Name { get; set; } = "";
    public string Role { get; set; } = "";
    public long CreatedMs { get; set; }
    public long? RevokedMs { get; set; }
    public string? TokenEpoch { get; set; }
    public UserRecord ToRecord() => new(Name, Role, Ms.At(CreatedMs), Ms.At(RevokedMs), TokenEpoch);
}

internal sealed class ApiKeyRow
{
    public string Id { get; set; } = "";
    public string NodeId { get; set; } = "";
    public long CreatedMs { get; set; }
    public long? RevokedMs { get; set; }
    public ApiKeyRecord ToRecord() => new(Id, NodeId, Ms.At(CreatedMs), Ms.At(RevokedMs));
}
