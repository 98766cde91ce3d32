using System.Text;

namespace Hil.Cli.Benchmarks;

/// <summary>A Markdown table of already formatted cells: the one layout every benchmark prints and records.</summary>
internal static class MarkdownTable
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var text = new StringBuilder();
        text.AppendLine($"| {string.Join(" | ", headers)} |");
        text.AppendLine($"|{string.Concat(Enumerable.Repeat(" --- |", headers.Count))}");
        foreach (IReadOnlyList<string> row in rows) text.AppendLine($"| {string.Join(" | ", row)} |");
        return text.ToString().TrimEnd();
    }
}
