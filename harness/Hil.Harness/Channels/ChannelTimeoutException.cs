namespace Hil.Harness.Channels;

/// <summary>What was awaited, on which channel of which target, and what was seen instead.</summary>
public sealed class ChannelTimeoutException : TimeoutException
{
    public ChannelTimeoutException(string target, string channel, string awaited, TimeSpan timeout,
        IReadOnlyList<string> lastLines, string partialLine)
        : base(Format(target, channel, awaited, timeout, lastLines, partialLine))
    {
        Target = target;
        Channel = channel;
        LastLines = lastLines;
    }

    public string Target { get; }
    public string Channel { get; }
    public IReadOnlyList<string> LastLines { get; }

    private static string Format(string target, string channel, string awaited, TimeSpan timeout,
        IReadOnlyList<string> lastLines, string partialLine)
    {
        var text = new System.Text.StringBuilder();
        text.Append($"Timed out after {timeout.TotalSeconds:0.###} s waiting for {awaited} on channel '{channel}' of target '{target}'.");
        if (lastLines.Count == 0 && partialLine.Length == 0)
        {
            text.Append(" Nothing was received on that channel.");
            return text.ToString();
        }
        text.Append($" Last {lastLines.Count} line(s) seen:");
        foreach (string line in lastLines) text.Append("\n  | ").Append(line);
        if (partialLine.Length > 0) text.Append("\n  | ").Append(partialLine).Append("   (no line end yet)");
        return text.ToString();
    }
}
