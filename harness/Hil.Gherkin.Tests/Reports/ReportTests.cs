using System.Text.Json;
using System.Xml.Linq;
using Hil.Gherkin.Bindings;
using Hil.Gherkin.Model;
using Hil.Gherkin.Reports;
using Hil.Gherkin.Runtime;
using Hil.Gherkin.Tests.Bindings;

using Hil.Gherkin.Tests.Runtime;

namespace Hil.Gherkin.Tests.Reports;

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

        string html = HtmlReport.Build(new ReportRun("run", "the native target", "", DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(2), results));
        Assert.That(html, Does.Contain("<dt>passed</dt><dd class=\"passed\">2</dd>").And.Contain("<dt>failed</dt><dd class=\"failed\">1</dd>"));
        Assert.That(html, Does.Contain("<details class=\"scenario failed\" id=\"scenario-1\" open>"));
        Assert.That(html, Does.Contain("the counter is 3, not 4"));
    }

    [Test]
    public void JUnit_carries_a_transcript_with_bytes_XML_cannot_hold()
    {
        var scenario = new ScenarioCase(new FeatureInfo("F", "", "f.feature", []), "s", 2, [], [], new Dictionary<string, string>());
        var result = new ScenarioResult(scenario, ScenarioStatus.Failed, [], TimeSpan.Zero, DateTimeOffset.UnixEpoch,
            [new Attachment("node-1 console transcript", "boot\u001b[0m ok\0")], "Scenario failed.\nStep failed\u0007");

        XDocument junit = XDocument.Parse(JUnitReport.Build([result]).ToString());

        Assert.That(junit.Descendants("system-out").Single().Value, Is.EqualTo("--- node-1 console transcript ---\nboot\uFFFD[0m ok\uFFFD"));
        Assert.That(junit.Descendants("failure").Single().Attribute("message")!.Value, Is.EqualTo("Step failed\uFFFD"));
    }
}
