namespace Hil.Cli.Mutation;

public enum CTokenKind { Identifier, Number, Punctuator }

/// <summary>One token of C source, with where it is (offset into the text, 1-based line and column).</summary>
public sealed record CToken(CTokenKind Kind, string Text, int Offset, int Line, int Column)
{
    public int End => Offset + Text.Length;
}

/// <summary>
/// Splits C source into the tokens mutation operators look at. Comments, string and character literals are skipped;
/// preprocessor lines are skipped too, except the value of an object-like `#define NAME number` (a threshold or a
/// timeout is often one), whose number is kept as a token marked <see cref="DefineValues"/>. Not a compiler: enough to
/// find operators, literals, statements and conditions in ordinary firmware code without touching anything else.
/// </summary>
public static class CSourceScanner
{
    private static readonly string[] Punctuators =
    [
        "<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+=", "-=", "*=", "/=", "%=",
        "&=", "|=", "^=", "##",
    ];

    /// <summary>The tokens of <paramref name="text"/>; the numbers of `#define NAME number` lines are in <paramref name="defineValues"/>.</summary>
    public static IReadOnlyList<CToken> Scan(string text, out HashSet<int> defineValues)
    {
        var tokens = new List<CToken>();
        defineValues = [];
        int i = 0, line = 1, lineStart = 0;
        bool atLineStart = true;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\n')
            {
                i++;
                line++;
                lineStart = i;
                atLineStart = true;
                continue;
            }
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '/' && Peek(text, i + 1) == '/') { i = SkipToLineEnd(text, i); continue; }
            if (c == '/' && Peek(text, i + 1) == '*')
            {
                int end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? text.Length : end + 2;
                for (int k = i; k < end; k++) if (text[k] == '\n') { line++; lineStart = k + 1; }
                i = end;
                continue;
            }
            if (c == '#' && atLineStart)
            {
                int end = PreprocessorLineEnd(text, i);
                if (DefineNumber(text, i, end) is (int start, int length))
                {
                    defineValues.Add(tokens.Count);
                    tokens.Add(new CToken(CTokenKind.Number, text.Substring(start, length), start, line, start - lineStart + 1));
                }
                for (int k = i; k < end; k++) if (text[k] == '\n') { line++; lineStart = k + 1; }
                i = end;
                continue;
            }
            atLineStart = false;
            if (c is '"' or '\'')
            {
                i = SkipLiteral(text, i);
                continue;
            }
            int column = i - lineStart + 1;
            if (char.IsLetter(c) || c == '_')
            {
                int start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_')) i++;
                tokens.Add(new CToken(CTokenKind.Identifier, text[start..i], start, line, column));
                continue;
            }
            if (char.IsDigit(c) || (c == '.' && char.IsDigit(Peek(text, i + 1))))
            {
                int start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '.' ||
                                           ((text[i] is '+' or '-') && text[i - 1] is 'e' or 'E' && !text[start..i].StartsWith("0x", StringComparison.OrdinalIgnoreCase))))
                    i++;
                tokens.Add(new CToken(CTokenKind.Number, text[start..i], start, line, column));
                continue;
            }
            string punctuator = Punctuators.FirstOrDefault(p => string.CompareOrdinal(text, i, p, 0, p.Length) == 0) ?? c.ToString();
            tokens.Add(new CToken(CTokenKind.Punctuator, punctuator, i, line, column));
            i += punctuator.Length;
        }
        return tokens;
    }

    private static char Peek(string text, int i) => i < text.Length ? text[i] : '\0';

    private static int SkipToLineEnd(string text, int i)
    {
        int end = text.IndexOf('\n', i);
        return end < 0 ? text.Length : end;
    }

    private static int SkipLiteral(string text, int i)
    {
        char quote = text[i++];
        while (i < text.Length && text[i] != quote && text[i] != '\n')
        {
            if (text[i] == '\\') i++;
            i++;
        }
        return Math.Min(i + 1, text.Length);
    }

    /// <summary>Where a preprocessor line ends (continuations with a backslash included), before its newline.</summary>
    private static int PreprocessorLineEnd(string text, int i)
    {
        while (true)
        {
            int end = SkipToLineEnd(text, i);
            if (end > 0 && end < text.Length && text[end - 1] == '\\') { i = end + 1; continue; }
            return end;
        }
    }

    /// <summary>The number of `#define NAME 123u` (an object-like macro whose whole value is one integer), if that is what the line is.</summary>
    private static (int Start, int Length)? DefineNumber(string text, int start, int end)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text[start..end], @"^#\s*define\s+[A-Za-z_]\w*\s+\(?(?<n>(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*)\)?\s*(?:/[/*].*)?$");
        return match.Success ? (start + match.Groups["n"].Index, match.Groups["n"].Length) : null;
    }
}
