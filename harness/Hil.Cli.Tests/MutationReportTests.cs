using System.Text.Json;
using System.Xml.Linq;
using Hil.Cli.Mutation;

namespace Hil.Cli.Tests;

public sealed class MutationReportTests
{
    [Test]
    public void The_reports_hold_every_result_even_when_a_mutants_output_has_control_characters()
    {
        var killed = new Mutant("core/a.c", 3, 5, MutationOperators.Relational, 10, "<", "<=");
        var survived = new Mutant("core/a.c", 4, 1, MutationOperators.Deletion, 20, "f();", ";");
        MutantResult[] results =
        [
            new(killed, MutantStatus.Killed, "a scenario", "the console said \0\u0001 garbage", TimeSpan.FromSeconds(2), "--- core/a.c:3\n- a < b\n+ a <= b"),
            new(survived, MutantStatus.Survived, null, null, TimeSpan.FromSeconds(9), "--- core/a.c:4\n- f();\n+ ;"),
        ];
        var summary = MutationSummary.Of(results, TimeSpan.FromSeconds(11), 2, 1, null);
        string folder = Directory.CreateTempSubdirectory("hil-mutation-report-").FullName;
        try
        {
            MutationReport.Write(folder, results, summary, "test");

            var junit = XDocument.Load(Path.Combine(folder, "junit.xml"));
            Assert.That(junit.Descendants("testcase").Count(), Is.EqualTo(2));
            Assert.That(junit.Descendants("failure").Single().Value, Does.Contain("+ ;"), "a survivor is a failure with its diff");
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "mutation.json")));
            Assert.That(json.RootElement.GetProperty("summary").GetProperty("killRate").GetDouble(), Is.EqualTo(0.5));
            Assert.That(File.ReadAllText(Path.Combine(folder, "index.html")), Does.Contain($"id=\"m-{survived.Id}\""), "the page lists the survivor");
            Assert.That(MutationReport.SummaryLine(summary), Does.StartWith("2 mutants: 1 killed, 0 timed out, 1 survived, 0 did not build; kill rate 50"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
