using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Hil.Backend.Protocol;

public static partial class TelemetryParser
{
    /// <summary>
    /// The field names a reader knows for one kind of object, in UTF-8 for matching while reading. Their values are
    /// kept by index, so an object needs no dictionary; other names are only remembered to catch a repeated one.
    /// </summary>
    private sealed class FieldNames(params string[] names)
    {
        private readonly byte[][] _utf8 = names.Select(Encoding.UTF8.GetBytes).ToArray();

        public int Count => names.Length;
        public string this[int index] => names[index];
        public int IndexOf(string name) => Array.IndexOf(names, name);

        /// <summary>The index of the property name the reader is on; compares unescaped, as a dictionary of names would.</summary>
        public int IndexOf(ref Utf8JsonReader reader)
        {
            for (int i = 0; i < _utf8.Length; i++)
                if (reader.ValueTextEquals(_utf8[i])) return i;
            return -1;
        }
    }

    /// <summary>Where a value sits in the JSON it was read from: its token, and its raw bytes (a string with its quotes).</summary>
    private readonly record struct ValueSlot(JsonTokenType Kind, int Start, int Length, bool IsEscaped);

    /// <summary>
    /// One JSON value as raw bytes, with the few reads the checks need. The numbers parse as <see cref="JsonElement"/>'s
    /// TryGet methods do (the whole token, invariant), so accepting and refusing stays the same as with a document.
    /// </summary>
    private readonly ref struct JsonValue(JsonTokenType kind, ReadOnlySpan<byte> raw, bool isEscaped)
    {
        private readonly ReadOnlySpan<byte> _raw = raw;

        public JsonTokenType Kind { get; } = kind;
        public ReadOnlySpan<byte> Raw => _raw;

        public bool TryGetDouble(out double value) => Utf8Parser.TryParse(_raw, out value, out int used) && used == _raw.Length;
        public bool TryGetInt64(out long value) => Utf8Parser.TryParse(_raw, out value, out int used) && used == _raw.Length;
        public bool TryGetInt32(out int value) => Utf8Parser.TryParse(_raw, out value, out int used) && used == _raw.Length;

        public string GetString()
        {
            if (!isEscaped) return Encoding.UTF8.GetString(_raw[1..^1]);
            var reader = new Utf8JsonReader(_raw);
            reader.Read();
            return reader.GetString()!;
        }

        public string GetRawText() => Encoding.UTF8.GetString(_raw);

        /// <summary>An array's elements, in order (the array was read to its end once, so it is well-formed).</summary>
        public ArrayElements EnumerateArray() => new(_raw);
    }

    private ref struct ArrayElements(ReadOnlySpan<byte> array)
    {
        private readonly ReadOnlySpan<byte> _array = array;
        private Utf8JsonReader _reader = StartedAt(array);

        public int Count()
        {
            var copy = _reader;
            int count = 0;
            while (copy.Read() && copy.TokenType != JsonTokenType.EndArray)
            {
                copy.Skip();
                count++;
            }
            return count;
        }

        public bool MoveNext(out JsonValue element)
        {
            if (!_reader.Read() || _reader.TokenType == JsonTokenType.EndArray)
            {
                element = default;
                return false;
            }
            element = ValueOf(_array, Slot(ref _reader));
            return true;
        }

        private static Utf8JsonReader StartedAt(ReadOnlySpan<byte> json)
        {
            var reader = new Utf8JsonReader(json);
            reader.Read();
            return reader;
        }
    }

    /// <summary>The value the reader is on (read to its end if it is an object or array).</summary>
    private static ValueSlot Slot(ref Utf8JsonReader reader)
    {
        int start = (int)reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        return new ValueSlot(reader.TokenType switch
        {
            JsonTokenType.EndObject => JsonTokenType.StartObject,
            JsonTokenType.EndArray => JsonTokenType.StartArray,
            var kind => kind,
        }, start, (int)reader.BytesConsumed - start, reader.ValueIsEscaped);
    }

    private static JsonValue ValueOf(ReadOnlySpan<byte> json, ValueSlot slot) => new(slot.Kind, json.Slice(slot.Start, slot.Length), slot.IsEscaped);

    /// <summary>An object's known fields, as <see cref="ReadObject"/> found them, looked up by name.</summary>
    private readonly ref struct Fields(ReadOnlySpan<byte> json, FieldNames names, ReadOnlySpan<ValueSlot> values)
    {
        private readonly ReadOnlySpan<byte> _json = json;
        private readonly ReadOnlySpan<ValueSlot> _values = values;

        public bool TryGetValue(string name, out JsonValue value)
        {
            int index = names.IndexOf(name);
            if (index < 0) throw new ArgumentException($"'{name}' is not among the names this object was read for", nameof(name));
            var slot = _values[index];
            value = slot.Kind == JsonTokenType.None ? default : ValueOf(_json, slot);
            return slot.Kind != JsonTokenType.None;
        }
    }

    /// <summary>
    /// Reads the object whose start the reader is on to its end in one forward pass, keeping the known names' values in
    /// <paramref name="values"/>; returns the first name that came twice (a repeated key is ambiguous: parsers disagree
    /// on which wins, so it is refused rather than guessed).
    /// </summary>
    private static string? ReadObject(ref Utf8JsonReader reader, FieldNames names, scoped Span<ValueSlot> values)
    {
        string? duplicate = null;
        HashSet<string>? others = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int index = names.IndexOf(ref reader);
            string? other = index < 0 ? reader.GetString()! : null;
            reader.Read();
            var slot = Slot(ref reader);
            bool repeated = other is null ? values[index].Kind != JsonTokenType.None : !(others ??= new(StringComparer.Ordinal)).Add(other);
            if (repeated) duplicate ??= other ?? names[index];
            else if (other is null) values[index] = slot;
        }
        return duplicate;
    }

    /// <summary>Reads a nested object (a value already read once, so well-formed) into its known fields.</summary>
    private static Fields Nested(JsonValue element, FieldNames names, Span<ValueSlot> values, string what)
    {
        if (element.Kind != JsonTokenType.StartObject)
            throw new PayloadException($"{what} must be a JSON object, got {Describe(element)}");
        var reader = new Utf8JsonReader(element.Raw);
        reader.Read();
        string? duplicate = ReadObject(ref reader, names, values);
        if (duplicate is not null) throw new PayloadException($"duplicate field '{duplicate}' in {what}");
        return new Fields(element.Raw, names, values);
    }
}
