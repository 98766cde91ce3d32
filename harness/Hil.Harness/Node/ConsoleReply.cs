namespace Hil.Harness.Node;

/// <summary>The output of one console command of the reference node (log lines excluded).</summary>
public sealed record ConsoleReply(string Command, IReadOnlyList<string> Lines)
{
    public override string ToString() => $"{Command} -> {Text}";

    /// <summary>The reason when the node answered <c>ERR &lt;reason&gt;</c>.</summary>
    public string? Error => Lines.Count > 0 && Lines[0].StartsWith("ERR", StringComparison.Ordinal)
        ? Lines[0].Length > 4 ? Lines[0][4..] : ""
        : null;

    public bool IsError => Error is not null;

    public string Text => string.Join('\n', Lines);

    /// <summary>Every <c>key=value</c> pair on the reply's lines (space-separated pairs on one line too).</summary>
    public IReadOnlyDictionary<string, string> Values
    {
        get
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string line in Lines)
            {
                foreach (string token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    int eq = token.IndexOf('=');
                    if (eq > 0) values[token[..eq]] = token[(eq + 1)..];
                }
            }
            return values;
        }
    }

    public string this[string key] => Values.TryGetValue(key, out string? value)
        ? value
        : throw new KeyNotFoundException($"The node's reply to '{Command}' has no '{key}=': {Text}");

    public long GetInt64(string key) => long.TryParse(this[key], out long value)
        ? value
        : throw new FormatException($"'{key}' in the node's reply to '{Command}' is not an integer: '{this[key]}'");
}
