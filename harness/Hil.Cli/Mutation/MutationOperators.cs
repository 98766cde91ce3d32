using System.Globalization;

namespace Hil.Cli.Mutation;

/// <summary>
/// The mutation operators for C, each the kind of slip a developer commits: a relational boundary (`&lt;` ↔ `&lt;=`,
/// `&gt;` ↔ `&gt;=`), a negated condition, `==` ↔ `!=`, an arithmetic operator swapped (`+` ↔ `-`, `*` ↔ `/`, and their
/// compound assignments), an integer constant off by one or by a factor of 1000 (a unit slip: ms for s), a deleted
/// statement or call (never a declaration), `&amp;&amp;` ↔ `||`, and a return value replaced.
/// </summary>
public static class MutationOperators
{
    public const string Relational = "relational boundary";
    public const string Negation = "negated condition";
    public const string Equality = "equality";
    public const string Arithmetic = "arithmetic";
    public const string Constant = "constant";
    public const string UnitSlip = "unit slip";
    public const string Deletion = "deleted statement";
    public const string Logical = "logical";
    public const string Return = "return value";

    public static readonly IReadOnlyList<string> All = [Relational, Negation, Equality, Arithmetic, Constant, UnitSlip, Deletion, Logical, Return];

    private static readonly Dictionary<string, string> Swaps = new()
    {
        ["<"] = "<=", ["<="] = "<", [">"] = ">=", [">="] = ">", ["=="] = "!=", ["!="] = "==", ["&&"] = "||", ["||"] = "&&",
        ["+"] = "-", ["-"] = "+", ["*"] = "/", ["/"] = "*", ["+="] = "-=", ["-="] = "+=", ["*="] = "/=", ["/="] = "*=",
    };

    private static readonly HashSet<string> TypeWords = new(StringComparer.Ordinal)
    {
        "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "bool", "const", "static", "volatile",
        "struct", "enum", "union", "extern", "register", "inline", "typedef", "size_t",
    };

    private static readonly HashSet<string> StatementKeywords = new(StringComparer.Ordinal)
    {
        "return", "break", "continue", "goto", "if", "else", "for", "while", "do", "switch", "case", "default", "sizeof",
    };

    /// <summary>Every mutant of one file, in source order; <paramref name="file"/> is the name reports use.</summary>
    public static IReadOnlyList<Mutant> Generate(string file, string text)
    {
        IReadOnlyList<CToken> tokens = CSourceScanner.Scan(text, out HashSet<int> defineValues);
        var mutants = new List<Mutant>();
        void Add(CToken at, string op, string original, string replacement) =>
            mutants.Add(new Mutant(file, at.Line, at.Column, op, at.Offset, original, replacement));

        int depth = 0;
        for (int i = 0; i < tokens.Count; i++)
        {
            CToken t = tokens[i];
            if (t.Text == "{") depth++;
            else if (t.Text == "}") depth--;

            if (t.Kind == CTokenKind.Number)
            {
                if (IntegerValue(t.Text) is not (ulong value, string suffix, bool hex)) continue;
                // Array sizes and bit widths in declarations outside functions change layout, not behaviour a scenario sees;
                // inside functions and in #define values every constant is fair game.
                if (depth == 0 && !defineValues.Contains(i)) continue;
                Add(t, Constant, t.Text, Format(value + 1, suffix, hex));
                if (value > 0) Add(t, Constant, t.Text, Format(value - 1, suffix, hex));
                if (hex) continue; // a hex constant is a bit pattern, not a quantity with a unit
                if (value >= 1000 && value % 1000 == 0) Add(t, UnitSlip, t.Text, Format(value / 1000, suffix, hex));
                else if (value is >= 2 and < 1_000_000) Add(t, UnitSlip, t.Text, Format(value * 1000, suffix, hex));
                continue;
            }
            if (depth == 0) continue; // operators and statements: only inside function bodies
            if (t.Kind == CTokenKind.Punctuator && Swaps.TryGetValue(t.Text, out string? swapped))
            {
                string op = t.Text switch
                {
                    "<" or "<=" or ">" or ">=" => Relational,
                    "==" or "!=" => Equality,
                    "&&" or "||" => Logical,
                    _ => Arithmetic,
                };
                if (op == Arithmetic && !IsBinary(tokens, i)) continue;
                Add(t, op, t.Text, swapped);
                continue;
            }
            if (t.Kind == CTokenKind.Identifier && t.Text is "if" or "while" && i + 1 < tokens.Count && tokens[i + 1].Text == "(")
            {
                if (MatchingParen(tokens, i + 1) is int close)
                {
                    string condition = text[tokens[i + 1].Offset..(tokens[close].Offset + 1)];
                    Add(tokens[i + 1], Negation, condition, $"(!{condition})");
                }
                continue;
            }
            if (t.Kind == CTokenKind.Identifier && t.Text == "return" && i + 1 < tokens.Count && tokens[i + 1].Text != ";")
            {
                if (StatementEnd(tokens, i + 1) is int semicolon)
                {
                    string value = text[tokens[i + 1].Offset..tokens[semicolon].Offset].Trim();
                    string replacement = value switch { "0" or "false" or "NULL" => "1", "true" => "false", _ => "0" };
                    Add(tokens[i + 1], Return, text[tokens[i + 1].Offset..tokens[semicolon].Offset], replacement);
                }
                continue;
            }
            if (IsStatementStart(tokens, i) && StatementEnd(tokens, i) is int end && IsExpressionStatement(tokens, i, end))
                Add(t, Deletion, text[t.Offset..tokens[end].End], ";");
        }
        return mutants;
    }

    private static (ulong Value, string Suffix, bool Hex)? IntegerValue(string literal)
    {
        string digits = literal.TrimEnd('u', 'U', 'l', 'L');
        string suffix = literal[digits.Length..];
        bool hex = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (hex) return ulong.TryParse(digits[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong h) ? (h, suffix, true) : null;
        if (digits.Length > 1 && digits[0] == '0') return null; // octal: rare in firmware, left alone
        return ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong d) ? (d, suffix, false) : null;
    }

    private static string Format(ulong value, string suffix, bool hex) =>
        (hex ? "0x" + value.ToString("X", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture)) + suffix;

    /// <summary>A binary operator follows an operand (a name, a number, a closing bracket), and `*` after a type is a pointer.</summary>
    private static bool IsBinary(IReadOnlyList<CToken> tokens, int i)
    {
        if (i == 0) return false;
        CToken previous = tokens[i - 1];
        bool operand = previous.Kind is CTokenKind.Identifier or CTokenKind.Number || previous.Text is ")" or "]";
        if (!operand || StatementKeywords.Contains(previous.Text)) return false;
        if (tokens[i].Text == "*" && previous.Kind == CTokenKind.Identifier && IsTypeName(tokens, i - 1)) return false;
        return true;
    }

    private static bool IsTypeName(IReadOnlyList<CToken> tokens, int i) =>
        TypeWords.Contains(tokens[i].Text) || tokens[i].Text.EndsWith("_t", StringComparison.Ordinal) ||
        (i > 0 && tokens[i - 1].Text is "struct" or "enum" or "union" or "const");

    private static int? MatchingParen(IReadOnlyList<CToken> tokens, int open)
    {
        int depth = 0;
        for (int k = open; k < tokens.Count; k++)
        {
            if (tokens[k].Text == "(") depth++;
            else if (tokens[k].Text == ")" && --depth == 0) return k;
            else if (tokens[k].Text is "{" or "}" or ";") return null;
        }
        return null;
    }

    /// <summary>The `;` ending the statement that starts at <paramref name="start"/>, at bracket depth 0, before any brace.</summary>
    private static int? StatementEnd(IReadOnlyList<CToken> tokens, int start)
    {
        int depth = 0;
        for (int k = start; k < tokens.Count; k++)
        {
            switch (tokens[k].Text)
            {
                case "(" or "[": depth++; break;
                case ")" or "]": depth--; break;
                case "{" or "}": return null;
                case ";" when depth == 0: return k;
            }
        }
        return null;
    }

    /// <summary>The first token after `;`, `{` or `}` (or a label's `:`): where a statement can begin.</summary>
    private static bool IsStatementStart(IReadOnlyList<CToken> tokens, int i) =>
        tokens[i].Kind == CTokenKind.Identifier && (i == 0 || tokens[i - 1].Text is ";" or "{" or "}" ||
                                                      (tokens[i - 1].Text == ")" && IsControlHead(tokens, i - 1)) ||
                                                      (tokens[i - 1].Text == "else"));

    /// <summary>Whether the `)` at <paramref name="close"/> ends the head of an if/while/for (the statement after it is its body).</summary>
    private static bool IsControlHead(IReadOnlyList<CToken> tokens, int close)
    {
        int depth = 0;
        for (int k = close; k >= 0; k--)
        {
            if (tokens[k].Text == ")") depth++;
            else if (tokens[k].Text == "(" && --depth == 0) return k > 0 && tokens[k - 1].Text is "if" or "while" or "for";
        }
        return false;
    }

    /// <summary>A call or an assignment standing alone (what deleting changes behaviour); never a declaration or a keyword statement.</summary>
    private static bool IsExpressionStatement(IReadOnlyList<CToken> tokens, int start, int end)
    {
        CToken first = tokens[start];
        if (StatementKeywords.Contains(first.Text) || IsTypeName(tokens, start)) return false;
        // `name name` (a declaration with a typedef'd type) or `name *name =` is a declaration.
        if (start + 1 < end && tokens[start + 1].Kind == CTokenKind.Identifier) return false;
        if (start + 2 < end && tokens[start + 1].Text == "*" && tokens[start + 2].Kind == CTokenKind.Identifier &&
            start + 3 <= end && tokens[start + 3].Text is "=" or ";" or "[" or ",") return false;
        for (int k = start + 1; k < end; k++)
            if (tokens[k].Text is "(" or "=" or "+=" or "-=" or "*=" or "/=" or "|=" or "&=" or "^=" or "<<=" or ">>=" or "++" or "--") return true;
        return false;
    }
}
