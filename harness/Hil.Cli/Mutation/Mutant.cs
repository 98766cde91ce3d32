using System.Security.Cryptography;
using System.Text;

namespace Hil.Cli.Mutation;

/// <summary>
/// One small change to one source file: <see cref="Original"/> at <see cref="Offset"/> becomes <see cref="Replacement"/>.
/// Its <see cref="Id"/> is derived from what and where, so the same mutant has the same id in every run (the cache and the
/// equivalent-mutants file rely on that); it moves only when the code before it in its file changes.
/// </summary>
public sealed record Mutant(string File, int Line, int Column, string Operator, int Offset, string Original, string Replacement)
{
    public string Id { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        $"{File}|{Line}|{Column}|{Operator}|{Original}|{Replacement}")))[..12];

    /// <summary>"core/esp_at.c:120:9".</summary>
    public string Location => $"{File}:{Line}:{Column}";

    /// <summary>The file's text with this mutation applied (the original must be where it was found).</summary>
    public string Apply(string text)
    {
        if (string.CompareOrdinal(text, Offset, Original, 0, Original.Length) != 0)
            throw new InvalidOperationException($"{Location}: the source changed since the mutant was made ('{Original}' is not at offset {Offset})");
        return string.Concat(text.AsSpan(0, Offset), Replacement, text.AsSpan(Offset + Original.Length));
    }

    /// <summary>The changed line before and after, as a two-line diff.</summary>
    public string Diff(string text)
    {
        int start = text.LastIndexOf('\n', Math.Max(0, Offset - 1)) + 1;
        int end = text.IndexOf('\n', Offset + Original.Length);
        if (end < 0) end = text.Length;
        string before = text[start..end];
        string after = string.Concat(text.AsSpan(start, Offset - start), Replacement, text.AsSpan(Offset + Original.Length, end - Offset - Original.Length));
        return $"--- {File}:{Line}\n- {before.Trim()}\n+ {after.Trim()}";
    }
}
