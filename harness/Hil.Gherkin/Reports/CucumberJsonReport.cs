using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hil.Gherkin.Runtime;

namespace Hil.Gherkin.Reports;

/// <summary>Cucumber's JSON report format (features → elements → steps, durations in nanoseconds), readable by the usual Cucumber report tools.</summary>
public static class CucumberJsonReport
{
    public static string Build(IReadOnlyList<ScenarioResult> results)
    {
        var features = new JsonArray();
        foreach (var feature in results.GroupBy(r => r.Scenario.Feature.FilePath))
        {
            var info = feature.First().Scenario.Feature;
            var elements = new JsonArray();
            foreach (ScenarioResult result in feature)
            {
                var steps = new JsonArray();
                foreach (StepResult step in result.Steps)
                {
                    var stepResult = new JsonObject
                    {
                        ["status"] = step.Status.ToString().ToLowerInvariant(),
                        ["duration"] = (long)(step.Duration.TotalMilliseconds * 1_000_000),
                    };
                    if (step.Error is not null) stepResult["error_message"] = step.Error.Message;
                    var stepNode = new JsonObject
                    {
                        ["keyword"] = step.Step.Keyword,
                        ["name"] = step.Step.Text,
                        ["line"] = step.Step.Line,
                        ["result"] = stepResult,
                    };
                    if (step.Binding is not null) stepNode["match"] = new JsonObject { ["location"] = step.Binding };
                    if (step.Step.DocString is not null) stepNode["doc_string"] = new JsonObject { ["value"] = step.Step.DocString };
                    steps.Add(stepNode);
                }
                var element = new JsonObject
                {
                    ["id"] = Id(info.Title) + ";" + Id(result.Scenario.Name),
                    ["keyword"] = result.Scenario.ExampleValues.Count > 0 ? "Scenario Outline" : "Scenario",
                    ["type"] = "scenario",
                    ["name"] = result.Scenario.Name,
                    ["line"] = result.Scenario.Line,
                    ["start_timestamp"] = result.StartedAt.ToString("O"),
                    ["tags"] = new JsonArray(result.Scenario.Tags.Select(t => (JsonNode)new JsonObject { ["name"] = t }).ToArray()),
                    ["steps"] = steps,
                };
                elements.Add(element);
            }
            features.Add(new JsonObject
            {
                ["uri"] = info.FilePath,
                ["id"] = Id(info.Title),
                ["keyword"] = "Feature",
                ["name"] = info.Title,
                ["description"] = info.Description,
                ["line"] = 1,
                ["tags"] = new JsonArray(info.Tags.Select(t => (JsonNode)new JsonObject { ["name"] = t }).ToArray()),
                ["elements"] = elements,
            });
        }
        return features.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static string Id(string name) => Regex.Replace(name.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');
}
