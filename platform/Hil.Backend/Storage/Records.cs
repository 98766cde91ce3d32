using System.Text.Json;
using Hil.Backend.Protocol;

namespace Hil.Backend.Storage;

/// <summary>A message that passed validation, with when and how it arrived.</summary>
public sealed record IngestedTelemetry(TelemetryMessage Message, DateTimeOffset ReceivedAt, string Transport);

/// <summary>A payload that was refused, kept with its raw bytes and the reason.</summary>
/// <param name="Payload">The first <see cref="KeptBytes"/> bytes of what was refused: enough to see what it was, never a flood's whole body.</param>
/// <param name="PayloadSize">The refused payload's whole size in bytes.</param>
/// <param name="PayloadSha256">SHA-256 of the whole payload (lowercase hex), to recognise it again without keeping it.</param>
public sealed record DeadLetter(DateTimeOffset ReceivedAt, string Transport, string? Topic, string Reason, byte[] Payload, long PayloadSize, string PayloadSha256)
{
    public const int KeptBytes = 4096;

    public static DeadLetter Of(DateTimeOffset receivedAt, string transport, string? topic, string reason, ReadOnlySpan<byte> payload) =>
        new(receivedAt, transport, topic, reason, payload[..Math.Min(payload.Length, KeptBytes)].ToArray(), payload.Length,
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)));
}

public sealed record NodeRecord(string Id, string? Firmware, int ProtocolVersion, DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen, bool? Online, DateTimeOffset? StatusChangedAt, long MessageCount);

public sealed record TelemetryRecord(string NodeId, DateTimeOffset ReceivedAt, string Transport, int Version,
    string? Firmware, long? Boot, long? Seq, long? UptimeMs, double? TemperatureC, double? HumidityPct,
    long? BatteryMv, long? RssiDbm, long? ErrorFlags, AudioFeatures? Audio, InferenceResult? Inference);

public sealed record AggregateBucket(DateTimeOffset Start, long Count, double? TemperatureAvg, double? TemperatureMin,
    double? TemperatureMax, double? HumidityAvg, double? HumidityMin, double? HumidityMax);

/// <param name="Payload">The kept prefix as text, <paramref name="PayloadBase64"/> the same bytes; <paramref name="PayloadTruncated"/> when the payload was longer.</param>
public sealed record DeadLetterRecord(long Id, DateTimeOffset ReceivedAt, string Transport, string? Topic,
    string Reason, string Payload, string PayloadBase64, long PayloadSize, string? PayloadSha256, bool PayloadTruncated);

public static class CommandStatus
{
    public const string Queued = "queued";
    public const string Delivered = "delivered";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Expired = "expired";
}

/// <remarks>
/// <see cref="DeliveredAt"/> is the latest time the command was sent to the node; <see cref="Deliveries"/> says how
/// often (more than once when the node came back online before acknowledging it).
/// </remarks>
public sealed record CommandRecord(string Id, string NodeId, string Type, JsonElement? Params, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? DeliveredAt, string? DeliveredVia,
    DateTimeOffset? CompletedAt, DateTimeOffset? ExpiredAt, string? Detail, int Deliveries = 0);

public sealed record NodeLogRecord(long Id, string NodeId, DateTimeOffset ReceivedAt, string Kind, string Text);

public static class Roles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Admin = "admin";
    public static readonly string[] All = [Viewer, Operator, Admin];
    public static int Rank(string role) => Array.IndexOf(All, role);
}

/// <param name="TokenEpoch">
/// Changes whenever the name is given to a new user (created, or created again after a revocation): a token carries the
/// epoch it was issued in, so a token of an earlier holder of the name never works again. Null for users from before
/// epochs existed, whose tokens therefore all need issuing again.
/// </param>
public sealed record UserRecord(string Name, string Role, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, string? TokenEpoch = null);

public sealed record ApiKeyRecord(string Id, string NodeId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>The database cannot be reached or is refusing work: the request may succeed later (HTTP 503).</summary>
public sealed class StoreUnavailableException(string message, Exception inner) : Exception(message, inner);
