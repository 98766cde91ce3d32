using Hil.Gherkin.Bindings;

namespace Hil.Gherkin.Model;

/// <summary>One step ready to run: its kind resolved (And/But take the kind before them), outline values substituted.</summary>
public sealed record ScenarioStep(StepKind Kind, string Keyword, string Text, int Line, Table? Table, string? DocString, bool FromBackground)
{
    public override string ToString() => $"{Keyword.Trim()} {Text}";
}

/// <summary>The Scenario Outline a case is a row of: its name with the placeholders, its line, the Examples' columns.</summary>
public sealed record OutlineInfo(string Name, int Line, IReadOnlyList<string> Columns);

/// <summary>
/// One runnable scenario: a plain scenario, or one row of a Scenario Outline's Examples, with the
/// Background's steps first and the tags of its feature, scenario and examples block.
/// </summary>
public sealed record ScenarioCase(
    FeatureInfo Feature,
    string Name,
    int Line,
    IReadOnlyList<string> Tags,
    IReadOnlyList<ScenarioStep> Steps,
    IReadOnlyDictionary<string, string> ExampleValues,
    OutlineInfo? Outline = null)
{
    /// <summary>"file:line" of the scenario (for an outline row, the row's line).</summary>
    public string Location => $"{Feature.FilePath}:{Line}";

    /// <summary>The readable test name: "Feature title: scenario name".</summary>
    public string DisplayName => $"{Feature.Title}: {Name}";

    public override string ToString() => DisplayName;
}
