using System.Text.Json;
using Hil.Simulators.Modem;

namespace Hil.Steps.Drivers;

/// <summary>
/// One telemetry payload as published on the link, read the way the platform contract defines it:
/// v1 has no version field and says temp/humidity; v2 and v3 carry v, boot, seq and the _c/_pct names.
/// </summary>
public sealed record TelemetryReading(string Text, int Protocol, IReadOnlySet<string> Fields, string? NodeId, string? Firmware,
    long? Boot, long? Sequence, double? Temperature, double? Humidity)
{
    /// <summary>v2/v3: the node's milliseconds since boot when it took the reading.</summary>
    public long? UptimeMs { get; init; }

    /// <summary>v3 after a capture: how many numbers `audio.bins` holds.</summary>
    public int? AudioBins { get; init; }

    /// <summary>v3 after a capture: `inference.label`.</summary>
    public string? InferenceLabel { get; init; }

    /// <summary>v3 after a capture: `inference.model_version`.</summary>
    public long? ModelVersion { get; init; }

    /// <summary>v2/v3: `battery_mv` and `rssi_dbm`.</summary>
    public long? BatteryMv { get; init; }
    public long? RssiDbm { get; init; }

    /// <summary>v2/v3: `error_flags` (bit 0: no sensor frame since boot).</summary>
    public long? ErrorFlags { get; init; }

    public static TelemetryReading Parse(ModemPublish publish)
    {
        string text = publish.Text;
        try
        {
            using JsonDocument json = JsonDocument.Parse(text);
            JsonElement root = json.RootElement;
            var fields = root.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            int protocol = root.TryGetProperty("v", out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 1;
            return new TelemetryReading(text, protocol, fields,
                String(root, "node_id"), String(root, "fw"), Int(root, "boot"), Int(root, "seq"),
                Number(root, protocol == 1 ? "temp" : "temperature_c"), Number(root, protocol == 1 ? "humidity" : "humidity_pct"))
            {
                UptimeMs = Int(root, "uptime_ms"),
                AudioBins = root.TryGetProperty("audio", out JsonElement audio) && audio.ValueKind == JsonValueKind.Object &&
                            audio.TryGetProperty("bins", out JsonElement bins) && bins.ValueKind == JsonValueKind.Array ? bins.GetArrayLength() : null,
                InferenceLabel = root.TryGetProperty("inference", out JsonElement inference) && inference.ValueKind == JsonValueKind.Object
                    ? String(inference, "label") : null,
                ModelVersion = inference.ValueKind == JsonValueKind.Object ? Int(inference, "model_version") : null,
                ErrorFlags = Int(root, "error_flags"),
                BatteryMv = Int(root, "battery_mv"),
                RssiDbm = Int(root, "rssi_dbm"),
            };
        }
        catch (JsonException e)
        {
            throw new FormatException($"The node published telemetry that is not JSON ({e.Message}): {text}", e);
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Int(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;

    private static double? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    public override string ToString() => Text;
}
