using System.Text;

namespace Hil.Simulators.Modem;

/// <summary>
/// Parses the parameter list of an ESP-AT set command: comma-separated values, strings in double
/// quotes with backslash escapes (<c>\"</c>, <c>\,</c>, <c>\\</c>), integers bare.
/// </summary>
public static class AtArguments
{
    /// <summary>Returns null when the list is malformed (an unterminated string, text after a closing quote).</summary>
    public static IReadOnlyList<AtValue>? Parse(string text)
    {
        var values = new List<AtValue>();
        int i = 0;
        while (true)
        {
            if (i < text.Length && text[i] == '"')
            {
                var value = new StringBuilder();
                i++;
                bool closed = false;
                while (i < text.Length)
                {
                    char c = text[i++];
                    if (c == '\\' && i < text.Length) { value.Append(text[i++]); continue; }
                    if (c == '"') { closed = true; break; }
                    value.Append(c);
                }
                if (!closed) return null;
                values.Add(new AtValue(value.ToString(), IsString: true));
            }
            else
            {
                int end = text.IndexOf(',', i);
                if (end < 0) end = text.Length;
                string raw = text[i..end].Trim();
                if (raw.Contains('"')) return null;
                values.Add(new AtValue(raw, IsString: false));
                i = end;
            }
            if (i >= text.Length) return values;
            if (text[i] != ',') return null;
            i++;
        }
    }
}

/// <summary>One parameter of an AT command.</summary>
public readonly record struct AtValue(string Text, bool IsString)
{
    public int? AsInt() => !IsString && int.TryParse(Text, System.Globalization.NumberStyles.AllowLeadingSign,
        System.Globalization.CultureInfo.InvariantCulture, out int value) ? value : null;
}
