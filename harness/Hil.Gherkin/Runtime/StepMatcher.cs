using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Hil.Gherkin.Bindings;
using Hil.Gherkin.Model;

namespace Hil.Gherkin.Runtime;

/// <summary>The definition a step text matched, with its captured arguments.</summary>
public sealed record StepMatch(StepDefinition Definition, IReadOnlyList<string> Captures);

/// <summary>Finds the one definition of a step, or explains why there is none or more than one.</summary>
public sealed class StepMatcher(BindingRegistry registry)
{
    public IReadOnlyList<StepMatch> FindAll(StepKind kind, string text) =>
        registry.Steps.Where(d => d.Kind == kind)
            .Select(d => (d, captures: d.Expression.Match(text)))
            .Where(x => x.captures is not null)
            .Select(x => new StepMatch(x.d, x.captures!))
            .ToArray();

    public StepMatch Match(ScenarioStep step)
    {
        IReadOnlyList<StepMatch> matches = FindAll(step.Kind, step.Text);
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new UndefinedStepException(step, Snippet(step)),
            _ => throw new AmbiguousStepException(step, matches),
        };
    }

    private static readonly Regex Literal = new("\"[^\"]*\"|(?<![\\w.])-?\\d+(?:\\.\\d+)?(?![\\w.])", RegexOptions.CultureInvariant);

    /// <summary>The C# to paste for an undefined step: numbers become {int}/{float}, quoted text {string}.</summary>
    public static string Snippet(ScenarioStep step)
    {
        var parameters = new List<string>();
        string expression = Literal.Replace(EscapeForExpression(step.Text), m =>
        {
            string kind = m.Value.StartsWith('"') ? "string" : m.Value.Contains('.') ? "float" : "int";
            string type = kind switch { "string" => "string", "float" => "double", _ => "int" };
            parameters.Add($"{type} {kind}{parameters.Count + 1}");
            return "{" + kind + "}";
        });
        if (step.Table is not null) parameters.Add("Table table");
        if (step.DocString is not null) parameters.Add("string docString");
        string method = step.Kind + string.Concat(Regex.Matches(Literal.Replace(step.Text, " "), "[A-Za-z0-9]+")
            .Select(m => char.ToUpper(m.Value[0], CultureInfo.InvariantCulture) + m.Value[1..]));
        var snippet = new StringBuilder();
        snippet.Append('[').Append(step.Kind).Append("(\"").Append(expression.Replace("\"", "\\\"")).AppendLine("\")]");
        snippet.Append("public async Task ").Append(method).Append('(').Append(string.Join(", ", parameters)).AppendLine(")");
        snippet.AppendLine("{");
        snippet.AppendLine("    await Task.CompletedTask;");
        snippet.AppendLine("    throw new NotImplementedException();");
        snippet.Append('}');
        return snippet.ToString();
    }

    // A literal '(' '{' or '/' in step text would be read as Cucumber expression syntax.
    private static string EscapeForExpression(string text) =>
        Regex.Replace(text, @"[(){}/\\]", m => "\\" + m.Value);
}

/// <summary>No definition matches a step. The message carries the snippet to paste.</summary>
public sealed class UndefinedStepException(ScenarioStep step, string snippet)
    : Exception($"No step definition matches \"{step}\". Add this to a [Binding] class:\n\n{snippet}\n")
{
    public string Snippet { get; } = snippet;
}

/// <summary>More than one definition matches a step. The message lists them.</summary>
public sealed class AmbiguousStepException(ScenarioStep step, IReadOnlyList<StepMatch> matches)
    : Exception($"\"{step}\" matches {matches.Count} step definitions; change one so that exactly one matches:\n" +
                string.Join('\n', matches.Select(m => "  " + m.Definition)))
{
    public IReadOnlyList<StepMatch> Matches { get; } = matches;
}
