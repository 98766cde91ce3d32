using System.Text;
using System.Text.RegularExpressions;

namespace Hil.Gherkin.Expressions;

/// <summary>
/// A step definition's expression compiled to an anchored regex. Cucumber expressions support
/// <c>{int} {float} {word} {string} {}</c>, optional text <c>(s)</c>, alternatives <c>a/b</c> within a
/// word and <c>\</c> escapes. An expression starting with <c>^</c> or ending with <c>$</c> is a regex.
/// </summary>
public sealed class StepExpression
{
    private readonly IReadOnlyList<ParameterType?> _groups;

    private StepExpression(string source, Regex regex, IReadOnlyList<ParameterType?> groups)
    {
        Source = source;
        Regex = regex;
        _groups = groups;
    }

    public string Source { get; }
    public Regex Regex { get; }
    public int ParameterCount => _groups.Count;
    public bool IsRegex => _groups.All(g => g is null) && (Source.StartsWith('^') || Source.EndsWith('$'));

    public static StepExpression Parse(string expression)
    {
        if (expression.StartsWith('^') || expression.EndsWith('$'))
        {
            string pattern = expression;
            if (!pattern.StartsWith('^')) pattern = "^" + pattern;
            if (!pattern.EndsWith('$')) pattern += "$";
            var regex = new Regex(pattern, RegexOptions.CultureInvariant);
            int groups = regex.GetGroupNumbers().Length - 1;
            return new StepExpression(expression, regex, new ParameterType?[groups]);
        }
        var parameters = new List<ParameterType?>();
        var builder = new StringBuilder("^");
        foreach (string run in SplitWhitespaceRuns(expression))
        {
            if (char.IsWhiteSpace(run[0])) { builder.Append(Regex.Escape(run)); continue; }
            List<string> alternatives = SplitAlternatives(run);
            if (alternatives.Count == 1) builder.Append(CompileRun(run, parameters, expression));
            else builder.Append("(?:").Append(string.Join('|', alternatives.Select(a => CompileRun(a, parameters, expression)))).Append(')');
        }
        builder.Append('$');
        return new StepExpression(expression, new Regex(builder.ToString(), RegexOptions.CultureInvariant), parameters);
    }

    /// <summary>Matches step text; returns the converted arguments, or null when the text does not match.</summary>
    public IReadOnlyList<string>? Match(string text)
    {
        Match match = Regex.Match(text);
        if (!match.Success) return null;
        return Enumerable.Range(1, match.Groups.Count - 1).Select(i => match.Groups[i].Value).ToArray();
    }

    /// <summary>Converts the <paramref name="index"/>th capture to <paramref name="type"/>.</summary>
    public object Convert(int index, string capture, Type type) =>
        (_groups[index] ?? ParameterType.Anonymous).Convert(capture, type);

    private static IEnumerable<string> SplitWhitespaceRuns(string text)
    {
        int start = 0;
        for (int i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || char.IsWhiteSpace(text[i]) != char.IsWhiteSpace(text[i - 1]))
            {
                yield return text[start..i];
                start = i;
            }
        }
    }

    private static List<string> SplitAlternatives(string run)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i < run.Length; i++)
        {
            char c = run[i];
            if (c == '\\') { i++; continue; }
            if (c is '{' or '(') depth++;
            else if (c is '}' or ')') depth--;
            else if (c == '/' && depth == 0) { parts.Add(run[start..i]); start = i + 1; }
        }
        parts.Add(run[start..]);
        return parts;
    }

    private static string CompileRun(string run, List<ParameterType?> parameters, string expression)
    {
        var builder = new StringBuilder();
        for (int i = 0; i < run.Length; i++)
        {
            char c = run[i];
            if (c == '\\' && i + 1 < run.Length) { builder.Append(Regex.Escape(run[++i].ToString())); continue; }
            if (c == '{')
            {
                int end = run.IndexOf('}', i);
                if (end < 0) throw new FormatException($"Unclosed '{{' in step expression \"{expression}\".");
                string name = run[(i + 1)..end];
                ParameterType type = ParameterType.BuiltIn.FirstOrDefault(p => p.Name == name)
                    ?? throw new FormatException($"Unknown parameter type {{{name}}} in step expression \"{expression}\" (known: {{int}}, {{float}}, {{word}}, {{string}}, {{}}).");
                parameters.Add(type);
                builder.Append('(').Append(type.Pattern).Append(')');
                i = end;
                continue;
            }
            if (c == '(')
            {
                int end = run.IndexOf(')', i);
                if (end < 0) throw new FormatException($"Unclosed '(' in step expression \"{expression}\".");
                builder.Append("(?:").Append(Regex.Escape(run[(i + 1)..end])).Append(")?");
                i = end;
                continue;
            }
            builder.Append(Regex.Escape(c.ToString()));
        }
        return builder.ToString();
    }
}
