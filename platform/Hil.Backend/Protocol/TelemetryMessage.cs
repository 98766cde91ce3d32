namespace Hil.Backend.Protocol;

/// <summary>
/// One telemetry payload of any protocol version, normalised. Fields an older version does not carry
/// stay null: they are stored as absent, never invented.
/// </summary>
public sealed record TelemetryMessage
{
    public required string NodeId { get; init; }
    public required int Version { get; init; }
    public string? Firmware { get; init; }
    /// <summary>Reboot counter (v2+); with <see cref="Seq"/> it identifies a message for idempotent ingest.</summary>
    public long? Boot { get; init; }
    public long? Seq { get; init; }
    public long? UptimeMs { get; init; }
    public double? TemperatureC { get; init; }
    public double? HumidityPct { get; init; }
    public long? BatteryMv { get; init; }
    public long? RssiDbm { get; init; }
    public long? ErrorFlags { get; init; }
    public AudioFeatures? Audio { get; init; }
    public InferenceResult? Inference { get; init; }

    /// <summary>True when redelivery of this message must be stored once (v2 and v3 carry boot and seq).</summary>
    public bool HasIdentity => Boot is not null && Seq is not null;
}

public sealed record AudioFeatures(double Rms, double SpikeRatio, IReadOnlyList<double> Bins);

/// <summary>The on-device model's answer; <paramref name="ModelVersion"/> is absent in payloads from before it was sent.</summary>
public sealed record InferenceResult(string Model, string Label, double PEvent, long? ModelVersion = null);

/// <summary>The outcome of parsing: a message, or the precise reason it was refused.</summary>
public readonly record struct ParseResult(TelemetryMessage? Message, string? Rejection)
{
    public bool IsValid => Message is not null;
    public static ParseResult Ok(TelemetryMessage message) => new(message, null);
    public static ParseResult Reject(string reason) => new(null, reason);
}
