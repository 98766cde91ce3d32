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
                Number(root, protocol == 1 ? "temp" : "temperature_c"), Number(root, protocol == 1 ? "humidity" : "humidity_pct"));
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
