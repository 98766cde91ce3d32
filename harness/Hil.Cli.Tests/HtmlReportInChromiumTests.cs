using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Hil.Cli.Tests;

/// <summary>
/// A small real run (a native node, the broker, the backend) with a passing, a failing and an outline scenario; its
/// index.html rendered in headless Chromium shows what a person should see: the summary's numbers, a histogram with
/// bars, the matrix's cells, and the failed scenario's evidence open, the passing ones closed.
/// </summary>
public sealed class HtmlReportInChromiumTests
{
    private const string Feature = """
        @platform
        Feature: Report check
          Scenario: readings are timed on their way to the database
            Given a node running firmware "3.0.0"
            When the node sends 20 readings
            Then the latency distribution is shown in the report

          Scenario: a wrong expectation about the stored readings
            Given a node running firmware "3.0.0"
            And the hive temperature is 24.5 °C and the humidity 58 %
            When the node sends 3 readings
            Then each stored reading has temperature 99 and humidity 58

          Scenario Outline: a node speaking protocol v<version> is stored
            Given a node running firmware "<firmware>" with protocol v<version>
            When the node sends 2 readings
            Then the backend stores 2 readings for the node

            Examples:
              | version | firmware |
              | 3       | 3.0.0    |
              | 2       | 2.1.0    |
        """;

    // Runs in the page after layout and writes what is on screen into <pre id="probe"> (the report itself has no script).
    private const string Probe = """
        <pre id="probe"></pre><script>
        (() => {
          const box = e => e ? e.getBoundingClientRect() : { width: 0, height: 0 };
          const failed = document.querySelector('details.scenario.failed');
          const evidence = failed && failed.querySelector('section.evidence');
          const histogram = document.querySelector('svg.histogram');
          document.getElementById('probe').textContent = JSON.stringify({
            summary: Object.fromEntries([...document.querySelectorAll('#summary > div')].map(d => [d.querySelector('dt').innerText, d.querySelector('dd').innerText])),
            histogramWidth: box(histogram).width,
            bars: histogram ? [...histogram.querySelectorAll('rect.bar')].map(r => box(r).height) : [],
            points: document.querySelectorAll('svg.timeseries circle.point').length,
            matrix: [...document.querySelectorAll('table.matrix tr')].slice(1).map(tr => [...tr.cells].map(c => c.innerText.trim())),
            cellColours: [...document.querySelectorAll('td.cell')].map(c => getComputedStyle(c).backgroundColor),
            failedStep: failed ? failed.querySelector('tr.step-error').innerText : '',
            evidenceHeight: box(evidence).height,
            evidenceVisible: !!evidence && evidence.checkVisibility(),
            evidence: evidence ? evidence.innerText : '',
            // A closed <details> keeps its content laid out but hidden (content-visibility), so ask what is visible.
            closedStepTablesVisible: [...document.querySelectorAll('details.scenario.passed:not([open]) table.steps')].map(t => t.checkVisibility()),
          });
        })();
        </script></body>
        """;

    [Test]
    public async Task The_report_of_a_real_run_shows_its_summary_histogram_matrix_and_the_failure_evidence()
    {
        if (Chromium.Executable is null) Assert.Ignore(Chromium.SkipReason);
        string folder = Directory.CreateTempSubdirectory("hil-report-check-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "report-check.feature"), Feature);
            string report = Path.Combine(folder, "report");
            CliProcess.Result run = await CliProcess.RunAsync("run", "--features", folder, "--report", report);
            Assert.That(run.ExitCode, Is.EqualTo(1), run.StandardOutput + run.StandardError);
            Assert.That(run.StandardOutput.TrimEnd(), Does.EndWith("3 passed, 1 failed, 0 skipped"), run.StandardOutput);

            string html = await File.ReadAllTextAsync(Path.Combine(report, "index.html"));
            string probePage = Path.Combine(report, "probe.html");
            await File.WriteAllTextAsync(probePage, html.Replace("</body>", Probe));
            string dom = await Chromium.DumpDomAsync(probePage);
            string json = WebUtility.HtmlDecode(Regex.Match(dom, "<pre id=\"probe\">(.*?)</pre>", RegexOptions.Singleline).Groups[1].Value);
            Assert.That(json, Is.Not.Empty, "the probe ran in the page:\n" + dom[..Math.Min(2000, dom.Length)]);
            using JsonDocument seen = JsonDocument.Parse(json);
            JsonElement probe = seen.RootElement;

            JsonElement summary = probe.GetProperty("summary");
            Assert.That(summary.GetProperty("passed").GetString(), Is.EqualTo("3"));
            Assert.That(summary.GetProperty("failed").GetString(), Is.EqualTo("1"));
            Assert.That(summary.GetProperty("scenarios").GetString(), Is.EqualTo("4"));
            Assert.That(summary.GetProperty("target").GetString(), Is.EqualTo("the native target"));
            Assert.That(summary.GetProperty("duration").GetString(), Does.Match(@"^\d+\.\d s$"));
            XDocument junit = XDocument.Load(Path.Combine(report, "junit.xml"));
            Assert.That(junit.Root!.Attribute("failures")!.Value, Is.EqualTo("1"), "junit.xml agrees");

            Assert.That(probe.GetProperty("histogramWidth").GetDouble(), Is.GreaterThan(100), "the histogram is laid out");
            double[] bars = probe.GetProperty("bars").EnumerateArray().Select(b => b.GetDouble()).ToArray();
            Assert.That(bars.Length, Is.GreaterThan(1));
            Assert.That(bars.Max(), Is.GreaterThan(100), "the fullest bar stands the plot's height on screen");
            Assert.That(probe.GetProperty("points").GetInt32(), Is.EqualTo(20 * 5), "a dot per reading in each time series (end to end and 4 hops)");

            string[][] matrix = probe.GetProperty("matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetString()!).ToArray()).ToArray();
            Assert.That(matrix, Is.EqualTo(new[] { new[] { "2", "2.1.0", "passed" }, new[] { "3", "3.0.0", "passed" } }));
            Assert.That(probe.GetProperty("cellColours").EnumerateArray().Select(c => c.GetString()), Is.All.Not.EqualTo("rgba(0, 0, 0, 0)"),
                "a verdict cell is coloured");

            Assert.That(probe.GetProperty("failedStep").GetString(), Does.Contain("report-check.feature:12").And.Contain("not 99 and 58"));
            Assert.That(probe.GetProperty("evidenceVisible").GetBoolean(), Is.True, "the evidence is open on screen");
            Assert.That(probe.GetProperty("evidenceHeight").GetDouble(), Is.GreaterThan(200));
            Assert.That(probe.GetProperty("evidence").GetString(), Does.Contain("node-1 console transcript").And.Contain("node-1 link transcript")
                .And.Contain("broker: MQTT messages").And.Contain("-> hil-backend").And.Contain("backend: rows of node-1").And.Contain("t=24.5 h=58"));
            bool[] closed = probe.GetProperty("closedStepTablesVisible").EnumerateArray().Select(v => v.GetBoolean()).ToArray();
            Assert.That(closed, Is.EqualTo(new[] { false, false }), "the outline's passing rows (no measurements) are closed: their steps are not shown");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
