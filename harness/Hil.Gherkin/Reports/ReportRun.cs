using Hil.Gherkin.Runtime;

namespace Hil.Gherkin.Reports;

/// <summary>One run of the scenarios as the reports describe it: what was asked (target, tag expression), when, how long, and the results.</summary>
public sealed record ReportRun(string Title, string Target, string Tags, DateTimeOffset StartedAt, TimeSpan Duration, IReadOnlyList<ScenarioResult> Results)
{
    public int Passed => Results.Count(r => r.Status == ScenarioStatus.Passed);
    public int Failed => Results.Count(r => r.Status == ScenarioStatus.Failed);
    public int Skipped => Results.Count(r => r.Status == ScenarioStatus.Skipped);
}
