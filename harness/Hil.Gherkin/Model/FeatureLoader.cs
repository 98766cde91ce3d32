using System.Text.RegularExpressions;
using Gherkin;
using Gherkin.Ast;
using Hil.Gherkin.Bindings;
using Table = Hil.Gherkin.Bindings.Table;

namespace Hil.Gherkin.Model;

/// <summary>Parses .feature files with cucumber's Gherkin parser and expands them into runnable scenarios.</summary>
public static class FeatureLoader
{
    private static readonly Regex Placeholder = new("<([^<>]+)>", RegexOptions.CultureInvariant);

    /// <summary>Every scenario of every *.feature file under <paramref name="directory"/>, in file and line order.</summary>
    public static IReadOnlyList<ScenarioCase> LoadDirectory(string directory, string? relativeTo = null)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"The features folder '{directory}' does not exist.");
        return Directory.EnumerateFiles(directory, "*.feature", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .SelectMany(file => LoadFile(file, relativeTo ?? directory))
            .ToArray();
    }

    public static IReadOnlyList<ScenarioCase> LoadFile(string path, string? relativeTo = null)
    {
        string name = relativeTo is null ? path : Path.GetRelativePath(relativeTo, path);
        return Parse(File.ReadAllText(path), name);
    }

    /// <summary>Parses feature text; <paramref name="filePath"/> is the name used in test names and errors.</summary>
    public static IReadOnlyList<ScenarioCase> Parse(string text, string filePath)
    {
        GherkinDocument document;
        try
        {
            using var reader = new StringReader(text);
            document = new Parser().Parse(reader);
        }
        catch (CompositeParserException e)
        {
            throw new FormatException($"{filePath}: " + string.Join("; ", e.Errors.Select(x => x.Message)), e);
        }
        catch (ParserException e)
        {
            throw new FormatException($"{filePath}: {e.Message}", e);
        }
        Feature? feature = document.Feature;
        if (feature is null) return [];
        string[] featureTags = feature.Tags.Select(t => t.Name).ToArray();
        var info = new FeatureInfo(feature.Name.Trim(), (feature.Description ?? "").Trim(), filePath, featureTags);
        Background? background = feature.Children.OfType<Background>().FirstOrDefault();
        var cases = new List<ScenarioCase>();
        foreach (ScenarioDefinition child in feature.Children)
        {
            switch (child)
            {
                case Scenario scenario:
                    cases.Add(new ScenarioCase(info, scenario.Name.Trim(), scenario.Location.Line,
                        featureTags.Concat(scenario.Tags.Select(t => t.Name)).Distinct().ToArray(),
                        Steps(background, scenario.Steps, new Dictionary<string, string>()),
                        new Dictionary<string, string>()));
                    break;
                case ScenarioOutline outline:
                    cases.AddRange(ExpandOutline(info, featureTags, background, outline));
                    break;
            }
        }
        return cases;
    }

    private static IEnumerable<ScenarioCase> ExpandOutline(FeatureInfo info, string[] featureTags, Background? background, ScenarioOutline outline)
    {
        string[] columns = outline.Examples.Where(e => e.TableHeader is not null).SelectMany(e => e.TableHeader.Cells.Select(c => c.Value)).Distinct().ToArray();
        var outlineInfo = new OutlineInfo(outline.Name.Trim(), outline.Location.Line, columns);
        foreach (Examples examples in outline.Examples)
        {
            if (examples.TableHeader is null) continue;
            string[] header = examples.TableHeader.Cells.Select(c => c.Value).ToArray();
            string[] tags = featureTags.Concat(outline.Tags.Select(t => t.Name)).Concat(examples.Tags.Select(t => t.Name)).Distinct().ToArray();
            foreach (global::Gherkin.Ast.TableRow row in examples.TableBody)
            {
                var values = header.Zip(row.Cells.Select(c => c.Value)).ToDictionary(p => p.First, p => p.Second);
                string name = Substitute(outline.Name.Trim(), values);
                if (!Placeholder.IsMatch(outline.Name))
                    name += " [" + string.Join(", ", values.Select(v => $"{v.Key}={v.Value}")) + "]";
                yield return new ScenarioCase(info, name, row.Location.Line, tags, Steps(background, outline.Steps, values), values, outlineInfo);
            }
        }
    }

    private static IReadOnlyList<ScenarioStep> Steps(Background? background, IEnumerable<Step> steps, IReadOnlyDictionary<string, string> values)
    {
        var result = new List<ScenarioStep>();
        StepKind previous = StepKind.Given;
        void Add(Step step, bool fromBackground)
        {
            StepKind kind = KindOf(step.Keyword, previous);
            previous = kind;
            Table? table = step.Argument is DataTable dataTable ? ToTable(dataTable, values) : null;
            string? docString = step.Argument is DocString doc ? Substitute(doc.Content, values) : null;
            result.Add(new ScenarioStep(kind, step.Keyword, Substitute(step.Text, values), step.Location.Line, table, docString, fromBackground));
        }
        if (background is not null)
            foreach (Step step in background.Steps) Add(step, true);
        previous = StepKind.Given;
        foreach (Step step in steps) Add(step, false);
        return result;
    }

    private static StepKind KindOf(string keyword, StepKind previous) => keyword.Trim() switch
    {
        "Given" => StepKind.Given,
        "When" => StepKind.When,
        "Then" => StepKind.Then,
        _ => previous, // And, But, *
    };

    private static Table ToTable(DataTable table, IReadOnlyDictionary<string, string> values)
    {
        string[][] rows = table.Rows.Select(r => r.Cells.Select(c => Substitute(c.Value, values)).ToArray()).ToArray();
        return new Table(rows[0], rows.Skip(1));
    }

    private static string Substitute(string text, IReadOnlyDictionary<string, string> values) =>
        values.Count == 0 ? text : Placeholder.Replace(text, m => values.TryGetValue(m.Groups[1].Value, out string? v) ? v : m.Value);
}
