namespace Hil.Gherkin.Expressions;

/// <summary>
/// A Cucumber tag expression: tags (<c>@smoke</c>), <c>not</c>, <c>and</c>, <c>or</c> and parentheses,
/// with the usual precedence (not, then and, then or). The empty expression matches everything.
/// </summary>
public sealed class TagExpression
{
    private readonly Func<ISet<string>, bool> _evaluate;

    private TagExpression(string source, Func<ISet<string>, bool> evaluate)
    {
        Source = source;
        _evaluate = evaluate;
    }

    public string Source { get; }

    public static TagExpression Everything { get; } = new("", _ => true);

    public bool Matches(IEnumerable<string> tags) => _evaluate(new HashSet<string>(tags, StringComparer.Ordinal));

    public override string ToString() => Source;

    public static TagExpression Parse(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression)) return Everything;
        var parser = new Parser(expression, Tokenize(expression));
        Func<ISet<string>, bool> evaluate = parser.ParseOr();
        parser.ExpectEnd();
        return new TagExpression(expression.Trim(), evaluate);
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i])) { i++; continue; }
            if (text[i] is '(' or ')') { tokens.Add(text[i++].ToString()); continue; }
            int start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not '(' and not ')') i++;
            tokens.Add(text[start..i]);
        }
        return tokens;
    }

    private sealed class Parser(string source, List<string> tokens)
    {
        private int _position;

        private string? Peek => _position < tokens.Count ? tokens[_position] : null;

        public Func<ISet<string>, bool> ParseOr()
        {
            Func<ISet<string>, bool> left = ParseAnd();
            while (Peek == "or")
            {
                _position++;
                Func<ISet<string>, bool> l = left, right = ParseAnd();
                left = tags => l(tags) || right(tags);
            }
            return left;
        }

        private Func<ISet<string>, bool> ParseAnd()
        {
            Func<ISet<string>, bool> left = ParseNot();
            while (Peek == "and")
            {
                _position++;
                Func<ISet<string>, bool> l = left, right = ParseNot();
                left = tags => l(tags) && right(tags);
            }
            return left;
        }

        private Func<ISet<string>, bool> ParseNot()
        {
            if (Peek == "not")
            {
                _position++;
                Func<ISet<string>, bool> operand = ParseNot();
                return tags => !operand(tags);
            }
            return ParseOperand();
        }

        private Func<ISet<string>, bool> ParseOperand()
        {
            string token = Peek ?? throw Error("ends where a tag or '(' was expected");
            _position++;
            if (token == "(")
            {
                Func<ISet<string>, bool> inner = ParseOr();
                if (Peek != ")") throw Error("has a '(' without its ')'");
                _position++;
                return inner;
            }
            if (token is ")" or "and" or "or") throw Error($"has '{token}' where a tag was expected");
            string tag = token.StartsWith('@') ? token : "@" + token;
            return tags => tags.Contains(tag);
        }

        public void ExpectEnd()
        {
            if (Peek is { } extra) throw Error($"has '{extra}' after a complete expression (missing 'and'/'or'?)");
        }

        private FormatException Error(string what) => new($"The tag expression \"{source}\" {what}.");
    }
}
