namespace Hil.Harness.Targets.Renode;

/// <summary>Renode refused a monitor command; carries the command and Renode's own message.</summary>
public sealed class RenodeCommandException(string command, string renodeMessage, string? evidence = null)
    : InvalidOperationException($"Renode refused '{command}': {renodeMessage}" + (evidence is null ? "" : "\n" + evidence))
{
    public string Command { get; } = command;

    /// <summary>Renode's error text, without colour codes.</summary>
    public string RenodeMessage { get; } = renodeMessage;
}

/// <summary>The result of one monitor command: its output lines (often none).</summary>
public sealed record RenodeResult(string Command, IReadOnlyList<string> Lines)
{
    public string Text => string.Join("\n", Lines);
}
