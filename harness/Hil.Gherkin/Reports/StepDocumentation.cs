using System.Text;
using System.Text.RegularExpressions;
using Hil.Gherkin.Runtime;

namespace Hil.Gherkin.Reports;

/// <summary>The step catalogue as Markdown (docs/steps.md), generated from the bindings: one section per step class, an example per step.</summary>
public static class StepDocumentation
{
    public static string Markdown(BindingRegistry bindings, string regenerateCommand)
    {
        var text = new StringBuilder();
        text.AppendLine("# Step catalogue");
        text.AppendLine();
        text.AppendLine($"Generated from the step bindings by `{regenerateCommand}`; do not edit by hand (a test checks it is current).");
        text.AppendLine();
        text.AppendLine("Write scenarios in `scenarios/Features/<Area>/*.feature` with these steps. `{int}` is a whole number, `{float}` a");
        text.AppendLine("number such as `24.5`, `{word}` one word without spaces, `{string}` text in double quotes; `(s)` is optional and");
        text.AppendLine("`second/minute/hour` means any one of them. `And`/`But` continue the kind of step before them. A step that");
        text.AppendLine("matches nothing fails and prints the C# to add; see README.md, \"Writing a scenario\".");
        foreach (var group in bindings.Steps.GroupBy(s => s.Method.DeclaringType!).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            text.AppendLine();
            text.AppendLine($"## {Concept(group.Key.Name)}");
            text.AppendLine();
            text.AppendLine("| step | example |");
            text.AppendLine("| --- | --- |");
            foreach (var method in group.GroupBy(s => s.Method))
            {
                string steps = string.Join("<br>", method.Select(s => $"{s.Kind} {Readable(s.Expression.Source)}"));
                string examples = string.Join("<br>", method.First().Examples.Select(e => $"`{e.Replace("\n", "` `")}`"));
                text.AppendLine($"| {Cell(steps)} | {examples.Replace("|", "\\|")} |");
            }
        }
        return text.ToString();
    }

    private static string Concept(string className) =>
        Regex.Replace(className.EndsWith("Steps", StringComparison.Ordinal) ? className[..^5] : className, "(?<=[a-z])(?=[A-Z])", " ");

    // Regex bindings are shown the way QA writes them: (\d+) as {int}, (a|b) as a/b.
    private static string Readable(string expression)
    {
        if (!expression.StartsWith('^') && !expression.EndsWith('$')) return expression;
        string text = expression.TrimStart('^').TrimEnd('$');
        text = text.Replace(@"(\d+)", "{int}").Replace("(?:es)?", "(es)").Replace("s?", "(s)");
        text = Regex.Replace(text, @"\(([a-z|]+)\)", m => m.Groups[1].Value.Replace('|', '/'));
        return text.Replace("\\", "");
    }

    private static string Cell(string text) => text.Replace("|", "\\|");
}
