using System.Text.RegularExpressions;
using Hil.Gherkin.Bindings;
using Hil.Gherkin.Model;
using Hil.Gherkin.Reports;
using Hil.Gherkin.Runtime;
using Hil.Gherkin.Tests.Bindings;
using Hil.Gherkin.Tests.Runtime;

namespace Hil.Gherkin.Tests.Reports;

public sealed class HtmlReportTests
{
    [Test]
    public async Task The_summary_counts_the_run_and_says_where_it_ran_and_what_it_selected()
    {
        var results = (await FeatureRun.RunAsync("Failing.feature", null, typeof(CounterSteps))).Results
            .Concat((await FeatureRun.RunAsync("Tags.feature", "@smoke", typeof(CounterSteps))).Results).ToArray();

        string html = HtmlReport.Build(new ReportRun("t", "the qemu target", "@smoke and not @slow", DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(12.34), results));

        string summary = Regex.Match(html, "<dl class=\"summary\".*?</dl>").Value;
        Assert.That(summary, Does.Contain($"<dt>skipped</dt><dd class=\"skipped\">{results.Count(r => r.Status == ScenarioStatus.Skipped)}</dd>"));
        Assert.That(summary, Does.Contain($"<dt>scenarios</dt><dd>{results.Length}</dd>"));
        Assert.That(summary, Does.Contain("<dd>12.3 s</dd>").And.Contain("<dd>the qemu target</dd>").And.Contain("<dd>@smoke and not @slow</dd>"));
        Assert.That(html, Does.Contain("<li><a href=\"#scenario-1\">Failing steps: a step that throws</a> <span class=\"where\">Then the counter is 4 (Features/Failing.feature:7)</span>"));
    }

    [Test]
    public async Task The_failing_step_shows_its_message_and_file_line_and_the_evidence_follows()
    {
        var results = (await FeatureRun.RunAsync("Failing.feature", null, typeof(CounterSteps), typeof(EvidenceHooks))).Results;

        string html = HtmlReport.Build(new ReportRun("t", "x", "", DateTimeOffset.UnixEpoch, TimeSpan.Zero, results));

        Assert.That(html, Does.Contain("<tr class=\"step failed\"><td class=\"badge failed\">failed</td><td><b>Then</b> the counter is 4</td>"));
        Assert.That(html, Does.Match("<tr class=\"step-error\">.*Features/Failing.feature:7 · .*ThenTheCounterIs.*<pre class=\"error\">the counter is 3, not 4</pre>"));
        Assert.That(html, Does.Contain("<tr class=\"step skipped\"><td class=\"badge skipped\">skipped</td><td><b>And</b> the counter is 3</td><td class=\"time\"></td></tr>"));
        Assert.That(html, Does.Contain("<section class=\"evidence\"><h4>Failure</h4>\n<pre class=\"failure\">Step &quot;Then the counter is 4&quot; failed " +
                                       "(Features/Failing.feature:7):\nthe counter is 3, not 4</pre>"), "what failed, without the evidence's tails");
        Assert.That(html, Does.Contain("<summary>console of node-1 <span class=\"where\">2 lines</span></summary><pre>line one\nline two</pre>"));
    }

    [Test]
    public async Task Each_outline_that_ran_is_a_grid_of_its_examples_and_their_verdicts()
    {
        var results = (await FeatureRun.RunAsync("Outline.feature", null, typeof(OutlineSteps))).Results.ToList();
        ScenarioResult v2 = results[1];
        results[1] = v2 with { Status = ScenarioStatus.Failed, FailureMessage = "broken" };

        string html = HtmlReport.Build(new ReportRun("t", "x", "", DateTimeOffset.UnixEpoch, TimeSpan.Zero, results));

        string matrix = Regex.Match(html, "<section id=\"matrices\">.*?</section>", RegexOptions.Singleline).Value;
        Assert.That(matrix, Does.Contain("<h3>Outline: a node speaking protocol v&lt;version&gt; <span class=\"where\">Features/Outline.feature:2</span></h3>"));
        Assert.That(matrix, Does.Contain("<tr><th>version</th><th>firmware</th><th>result</th></tr>"));
        Assert.That(Regex.Matches(matrix, "<tr><td>(\\d)</td>(?:<td>[^<]*</td>)?<td class=\"cell (\\w+)\"").Select(m => m.Groups[1].Value + m.Groups[2].Value),
            Is.EqualTo(new[] { "1passed", "2failed", "3passed", "7passed" }));
    }

    [Test]
    public async Task Repeated_runs_of_an_example_share_one_cell()
    {
        var once = (await FeatureRun.RunAsync("Outline.feature", null, typeof(OutlineSteps))).Results;
        var results = once.Concat(once.Select(r => r.Scenario.Name.EndsWith("v3") ? r with { Status = ScenarioStatus.Failed } : r)).ToArray();

        string html = HtmlReport.Build(new ReportRun("t", "x", "", DateTimeOffset.UnixEpoch, TimeSpan.Zero, results));

        Assert.That(html, Does.Contain("<td class=\"cell passed\" title=\"Features/Outline.feature:8\">passed (2 of 2)</td>"));
        Assert.That(html, Does.Contain("<td class=\"cell failed\" title=\"Features/Outline.feature:14\">failed (1 of 2)</td>"));
    }

    [Test]
    public void A_measurement_is_drawn_as_a_histogram_and_a_time_series_with_its_percentiles()
    {
        var at = DateTimeOffset.UnixEpoch;
        Sample[] samples = Enumerable.Range(1, 100).Select(i => new Sample(at.AddMilliseconds(10 * i), i)).ToArray();
        ScenarioResult result = Result("s", ScenarioStatus.Passed) with { Measurements = [new Measurement("reading to row", "ms", samples)] };

        string html = HtmlReport.Build(new ReportRun("t", "x", "", at, TimeSpan.Zero, [result]));

        Assert.That(html, Does.Contain("<b>reading to row</b> n=100 · p50 50 ms · p95 95 ms · p99 99 ms · max 100 ms"));
        Assert.That(Regex.Matches(html, "<rect class=\"bar\"").Count, Is.EqualTo(10), "√100 bins");
        Assert.That(html, Does.Contain("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart timeseries\""));
        Assert.That(Regex.Matches(html, "<circle class=\"point\"").Count, Is.EqualTo(100));
    }

    [Test]
    public void Everything_a_scenario_or_a_node_said_is_escaped()
    {
        ScenarioResult result = Result("<script>alert(1)</script>", ScenarioStatus.Failed) with
        {
            Attachments = [new Attachment("node <1>", "</pre><img src=x onerror=alert(2)>")],
            FailureMessage = "Step \"a & b\" failed: <b>",
        };

        string html = HtmlReport.Build(new ReportRun("<title>", "x", "@a", DateTimeOffset.UnixEpoch, TimeSpan.Zero, [result]));

        Assert.That(html, Does.Not.Contain("<script>").And.Not.Contain("<img").And.Not.Contain("failed: <b>").And.Not.Contain("<title><title>"));
        Assert.That(html, Does.Contain("&lt;script&gt;alert(1)&lt;/script&gt;").And.Contain("&lt;/pre&gt;&lt;img src=x onerror=alert(2)&gt;")
            .And.Contain("Step &quot;a &amp; b&quot; failed: &lt;b&gt;").And.Contain("node &lt;1&gt;"));
    }

    private static ScenarioResult Result(string name, ScenarioStatus status) =>
        new(new ScenarioCase(new FeatureInfo("F", "", "f.feature", []), name, 3, ["@a"], [], new Dictionary<string, string>()),
            status, [], TimeSpan.FromMilliseconds(5), DateTimeOffset.UnixEpoch, [], status == ScenarioStatus.Failed ? "failed" : null);
}
