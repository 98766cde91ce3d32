using System.Text.Json;
using System.Xml.Linq;
using Hil.Gherkin.Reports;
using Hil.Gherkin.Tests.Bindings;

namespace Hil.Gherkin.Tests.Runtime;

public sealed class ReportTests
{
    [Test]
    public async Task Reports_show_each_scenario_its_steps_and_the_failure_with_evidence()
    {
        var failing = await FeatureRun.RunAsync("Failing.feature", null, typeof(CounterSteps), typeof(EvidenceHooks));
        var passing = await FeatureRun.RunAsync("Background.feature", null, typeof(CounterSteps));
        var results = failing.Results.Concat(passing.Results).ToArray();

        XDocument junit = JUnitReport.Build(results);
        Assert.That(junit.Root!.Attribute("tests")!.Value, Is.EqualTo("3"));
        Assert.That(junit.Root.Attribute("failures")!.Value, Is.EqualTo("1"));
        XElement failed = junit.Descendants("testcase").Single(t => t.Element("failure") is not null);
        Assert.That(failed.Attribute("name")!.Value, Is.EqualTo("a step that throws"));
        Assert.That(failed.Element("failure")!.Attribute("message")!.Value, Does.Contain("Then the counter is 4"));
        Assert.That(failed.Element("system-out")!.Value, Does.Contain("--- console of node-1 ---\nline one"));

        using JsonDocument cucumber = JsonDocument.Parse(CucumberJsonReport.Build(results));
        JsonElement feature = cucumber.RootElement[0];
        Assert.That(feature.GetProperty("uri").GetString(), Is.EqualTo("Features/Failing.feature"));
        var statuses = feature.GetProperty("elements")[0].GetProperty("steps").EnumerateArray()
            .Select(s => s.GetProperty("result").GetProperty("status").GetString()).ToArray();
        Assert.That(statuses, Is.EqualTo(new[] { "passed", "passed", "failed", "skipped" }));

        string html = HtmlReport.Build(results, "run", DateTimeOffset.UnixEpoch);
        Assert.That(html, Does.Contain("<span class=\"passed\">2 passed</span><span class=\"failed\">1 failed</span>"));
        Assert.That(html, Does.Contain("<details class=\"scenario failed\" open>"));
        Assert.That(html, Does.Contain("the counter is 3, not 4"));
    }
}
