using System.Text;
using System.Text.Json;

namespace Hil.Backend.Protocol;

/// <summary>
/// Parses telemetry protocol v1 (flat, no version field), v2 (version, boot, seq, device uptime) and
/// v3 (v2 plus audio features and on-device inference). Unknown fields are ignored so that nodes can
/// extend a version; a known field of the wrong type or out of range is refused with its name and value.
/// </summary>
public static partial class TelemetryParser
{
    public const int MaxPayloadBytes = 16 * 1024;
    public const int AudioBinCount = 16;
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 8 };

    private static readonly FieldNames PayloadFields = new("v", "node_id", "temp", "humidity", "fw", "boot", "seq", "uptime_ms",
        "temperature_c", "humidity_pct", "battery_mv", "rssi_dbm", "error_flags", "audio", "inference");
    private static readonly FieldNames AudioFields = new("rms", "spike_ratio", "bins");
    private static readonly FieldNames InferenceFields = new("model", "label", "p_event", "model_version");

    public static ParseResult Parse(ReadOnlySpan<byte> payload)
    {
        var (message, rejection) = ParseRoot(payload, PayloadFields, "payload", Read);
        return message is null ? ParseResult.Reject(rejection!) : ParseResult.Ok(message);
    }

    private delegate T FieldsReader<out T>(in Fields fields);

    /// <summary>
    /// The checks every JSON payload of a node gets (size, UTF-8, syntax, an object without repeated names), then
    /// <paramref name="read"/> on its fields. One forward pass reads the whole payload before any field is judged, so a
    /// syntax error anywhere wins over a bad field, and the fields are judged in <paramref name="read"/>'s order,
    /// not the payload's: the reason for a payload does not depend on how its sender ordered the fields.
    /// </summary>
    private static (T? Value, string? Rejection) ParseRoot<T>(ReadOnlySpan<byte> payload, FieldNames names, string what, FieldsReader<T> read)
        where T : class
    {
        if (payload.Length == 0) return (null, "empty payload");
        if (payload.Length > MaxPayloadBytes)
            return (null, $"payload too large: {payload.Length} bytes (limit {MaxPayloadBytes})");
        // The JSON reader checks UTF-8 only where it decodes, so a bad byte in a field name would surface later as
        // an exception instead of a reason: check the whole payload first.
        if (!System.Text.Unicode.Utf8.IsValid(payload))
            return (null, $"payload is not valid UTF-8 (first bad byte at offset {FirstInvalidUtf8(payload)})");
        Span<ValueSlot> values = stackalloc ValueSlot[names.Count];
        ValueSlot root;
        string? duplicate = null;
        try
        {
            var reader = new Utf8JsonReader(payload, ReaderOptions);
            reader.Read();
            root = new ValueSlot(reader.TokenType, (int)reader.TokenStartIndex, 0, false);
            if (reader.TokenType == JsonTokenType.StartObject) duplicate = ReadObject(ref reader, names, values);
            else root = Slot(ref reader);
            // Anything after the root value is a syntax error (the reader throws), as in a document.
            reader.Read();
        }
        catch (JsonException e)
        {
            return (null, $"malformed JSON: {Describe(e)}");
        }
        try
        {
            if (root.Kind != JsonTokenType.StartObject)
                throw new PayloadException($"{what} must be a JSON object, got {Describe(ValueOf(payload, root))}");
            if (duplicate is not null) throw new PayloadException($"duplicate field '{duplicate}' in {what}");
            return (read(new Fields(payload, names, values)), null);
        }
        catch (PayloadException e)
        {
            return (null, e.Message);
        }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> payload)
    {
        System.Text.Unicode.Utf8.ToUtf16(payload, new char[payload.Length], out int read, out _, replaceInvalidSequences: false);
        return read;
    }

    public static ParseResult Parse(string payload) => Parse(Encoding.UTF8.GetBytes(payload));

    private static TelemetryMessage Read(in Fields fields)
    {
        int version = ReadVersion(fields);
        string nodeId = NodeId(fields);
        if (version == 1)
        {
            return new TelemetryMessage
            {
                NodeId = nodeId,
                Version = 1,
                TemperatureC = Number(fields, "temp", -80, 150),
                HumidityPct = Number(fields, "humidity", 0, 100),
            };
        }
        return new TelemetryMessage
        {
            NodeId = nodeId,
            Version = version,
            Firmware = Text(fields, "fw", 32),
            Boot = Integer(fields, "boot", 0, uint.MaxValue, required: true),
            Seq = Integer(fields, "seq", 0, uint.MaxValue, required: true),
            UptimeMs = Integer(fields, "uptime_ms", 0, long.MaxValue),
            TemperatureC = Number(fields, "temperature_c", -80, 150),
            HumidityPct = Number(fields, "humidity_pct", 0, 100),
            BatteryMv = Integer(fields, "battery_mv", 0, 20_000),
            RssiDbm = Integer(fields, "rssi_dbm", -150, 0),
            ErrorFlags = Integer(fields, "error_flags", 0, uint.MaxValue),
            Audio = version == 3 ? Audio(fields) : null,
            Inference = version == 3 ? Inference(fields) : null,
        };
    }

    private static int ReadVersion(in Fields fields)
    {
        if (!fields.TryGetValue("v", out var v)) return 1;
        if (v.Kind != JsonTokenType.Number || !v.TryGetInt32(out int version))
            throw new PayloadException($"field 'v' must be an integer, got {Describe(v)}");
        if (version is < 1 or > 3)
            throw new PayloadException($"unknown protocol version {version} (supported: 1, 2, 3)");
        return version;
    }

    private static string NodeId(in Fields fields)
    {
        string id = Text(fields, "node_id", 64, required: true)!;
        if (!IsNodeId(id)) throw new PayloadException($"field 'node_id' must be 12 lowercase hex digits, got '{id}'");
        return id;
    }

    public static bool IsNodeId(ReadOnlySpan<char> id) =>
        id.Length == 12 && !id.ContainsAnyExcept(NodeIdChars);

    private static readonly System.Buffers.SearchValues<char> NodeIdChars = System.Buffers.SearchValues.Create("0123456789abcdef");

    private static AudioFeatures? Audio(in Fields fields)
    {
        if (!fields.TryGetValue("audio", out var element)) return null;
        var audio = Nested(element, AudioFields, stackalloc ValueSlot[AudioFields.Count], "audio");
        double rms = Number(audio, "rms", 0, 1e6, required: true, prefix: "audio.")!.Value;
        double spike = Number(audio, "spike_ratio", 0, 1e6, required: true, prefix: "audio.")!.Value;
        if (!audio.TryGetValue("bins", out var bins)) throw new PayloadException("missing field 'audio.bins'");
        if (bins.Kind != JsonTokenType.StartArray)
            throw new PayloadException($"field 'audio.bins' must be an array, got {Describe(bins)}");
        var elements = bins.EnumerateArray();
        int count = elements.Count();
        if (count != AudioBinCount)
            throw new PayloadException($"field 'audio.bins' must hold {AudioBinCount} numbers, got {count}");
        var values = new double[AudioBinCount];
        for (int i = 0; elements.MoveNext(out var bin); i++)
        {
            if (bin.Kind != JsonTokenType.Number)
                throw new PayloadException($"field 'audio.bins[{i}]' must be a number, got {Describe(bin)}");
            if (!bin.TryGetDouble(out values[i]) || !double.IsFinite(values[i]))
                throw new PayloadException($"field 'audio.bins[{i}]' is not a finite number: {Truncate(bin.GetRawText())}");
        }
        return new AudioFeatures(rms, spike, values);
    }

    private static InferenceResult? Inference(in Fields fields)
    {
        if (!fields.TryGetValue("inference", out var element)) return null;
        var inference = Nested(element, InferenceFields, stackalloc ValueSlot[InferenceFields.Count], "inference");
        string model = Text(inference, "model", 64, required: true, prefix: "inference.")!;
        string label = Text(inference, "label", 16, required: true, prefix: "inference.")!;
        if (label is not ("normal" or "event"))
            throw new PayloadException($"field 'inference.label' must be 'normal' or 'event', got '{label}'");
        double p = Number(inference, "p_event", 0, 1, required: true, prefix: "inference.")!.Value;
        long? modelVersion = Integer(inference, "model_version", 1, uint.MaxValue, prefix: "inference.");
        return new InferenceResult(model, label, p, modelVersion);
    }

    private static string? Text(in Fields fields, string name, int maxLength,
        bool required = false, string prefix = "")
    {
        if (!fields.TryGetValue(name, out var value))
            return required ? throw new PayloadException($"missing field '{prefix}{name}'") : null;
        if (value.Kind != JsonTokenType.String)
            throw new PayloadException($"field '{prefix}{name}' must be a string, got {Describe(value)}");
        string text = value.GetString();
        if (text.Length == 0 || text.Length > maxLength)
            throw new PayloadException($"field '{prefix}{name}' must be 1 to {maxLength} characters, got {text.Length}");
        return text;
    }

    private static double? Number(in Fields fields, string name, double min, double max,
        bool required = false, string prefix = "")
    {
        if (!fields.TryGetValue(name, out var value))
            return required ? throw new PayloadException($"missing field '{prefix}{name}'") : null;
        if (value.Kind != JsonTokenType.Number)
            throw new PayloadException($"field '{prefix}{name}' must be a number, got {Describe(value)}");
        if (!value.TryGetDouble(out double number) || !double.IsFinite(number))
            throw new PayloadException($"field '{prefix}{name}' out of range [{min}, {max}]: {Truncate(value.GetRawText())} is not a finite number");
        if (number < min || number > max)
            throw new PayloadException($"field '{prefix}{name}' out of range [{min}, {max}]: {value.GetRawText()}");
        return number;
    }

    private static long? Integer(in Fields fields, string name, long min, long max, bool required = false,
        string prefix = "")
    {
        if (!fields.TryGetValue(name, out var value))
            return required ? throw new PayloadException($"missing field '{prefix}{name}'") : null;
        if (value.Kind != JsonTokenType.Number || !value.TryGetInt64(out long number))
            throw new PayloadException(IsIntegerLiteral(value)
                ? $"field '{prefix}{name}' out of range [{min}, {max}]: {Truncate(value.GetRawText())}"
                : $"field '{prefix}{name}' must be an integer, got {Describe(value)}");
        if (number < min || number > max)
            throw new PayloadException($"field '{prefix}{name}' out of range [{min}, {max}]: {number}");
        return number;
    }

    /// <summary>A number written as a whole number (no fraction, no exponent): one that fails to fit is too large, not "not an integer".</summary>
    private static bool IsIntegerLiteral(JsonValue value) =>
        value.Kind == JsonTokenType.Number && value.Raw.IndexOfAny(".eE"u8) < 0;

    private static string Describe(JsonValue value) => value.Kind switch
    {
        JsonTokenType.String => $"string '{Truncate(value.GetString())}'",
        JsonTokenType.Number => $"number {Truncate(value.GetRawText())}",
        JsonTokenType.True or JsonTokenType.False => $"boolean {value.GetRawText()}",
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "array",
        _ => "object",
    };

    private static string Describe(JsonException e) =>
        e.BytePositionInLine is { } position ? $"{FirstSentence(e.Message)} (byte {position} of line {e.LineNumber + 1})" : FirstSentence(e.Message);

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return end > 0 ? message[..end].TrimEnd() : message;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private sealed class PayloadException(string message) : Exception(message);
}
