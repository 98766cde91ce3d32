using System.Text.RegularExpressions;
using Hil.Gherkin.Bindings;
using Hil.Gherkin.Model;
using Hil.Gherkin.Runtime;
using Hil.Steps;
using Hil.Steps.Drivers;

namespace Hil.Scenarios;

/// <summary>A failed scenario on a real node and platform leaves its whole evidence behind; a passing one leaves none.</summary>
public sealed class EvidenceCaptureTests
{
    private const string Feature = """
        @platform
        Feature: Evidence
          Scenario: a wrong expectation about the stored readings
            Given a node running firmware "3.0.0"
            And the hive temperature is 24.5 °C and the humidity 58 %
            When the node sends 3 readings
            Then the backend stores 3 readings for the node
            And each stored reading has temperature 99 and humidity 58

          Scenario: a right one
            Given a node running firmware "3.0.0"
            When "version" is typed on the console
            Then the console answers "fw=3.0.0 protocol=3 board=native"
        """;

    [Test]
    public async Task A_failed_scenario_attaches_every_transcript_the_broker_messages_and_the_backend_rows()
    {
        var settings = new HarnessSettings();
        settings.Validate();
        IReadOnlyList<ScenarioResult> results;
        await using (var runner = new GherkinRunner(StepCatalogue.Bindings))
        {
            runner.RegisterInstance(settings);
            foreach (ScenarioCase scenario in FeatureLoader.Parse(Feature, "evidence.feature")) await runner.RunAsync(scenario);
            results = runner.Results;
        }

        Assert.That(results.Select(r => r.Status), Is.EqualTo(new[] { ScenarioStatus.Failed, ScenarioStatus.Passed }), results[0].FailureMessage);
        Assert.That(results[1].Attachments, Is.Empty, "a passing scenario leaves no evidence");
        IReadOnlyList<Attachment> evidence = results[0].Attachments;
        string nodeId = Regex.Match(evidence.Single(a => a.Name.StartsWith("backend: rows of node-1", StringComparison.Ordinal)).Name, @"\((.+)\)").Groups[1].Value;
        Assert.That(evidence.Select(a => a.Name), Is.EqualTo(new[]
        {
            "node-1 console transcript", "node-1 link transcript", "node-1 modem", "broker: MQTT messages", $"backend: rows of node-1 ({nodeId})",
        }));
        string Piece(string name) => evidence.Single(a => a.Name.StartsWith(name, StringComparison.Ordinal)).Content;

        string console = Piece("node-1 console transcript");
        Assert.That(console, Does.Contain($"node={nodeId}"), "the whole transcript, from the status the harness asked at boot");
        Assert.That(Piece("node-1 link transcript"), Does.Contain("AT+"), "the modem's AT dialogue");
        string telemetry = $"devices/{nodeId}/telemetry";
        Assert.That(Piece("node-1 modem").Split('\n').Count(l => l.Contains($"published {telemetry}")), Is.EqualTo(3));
        string[] broker = Piece("broker: MQTT messages").Split('\n');
        Assert.That(broker.Count(l => l.Contains($"{nodeId} published") && l.Contains(telemetry)), Is.EqualTo(3), "what the node sent");
        Assert.That(broker.Count(l => l.Contains($"{nodeId} -> hil-backend") && l.Contains(telemetry)), Is.EqualTo(3), "what the backend got");
        string[] rows = Piece("backend: rows of node-1").Split('\n');
        Assert.That(rows.Count(r => r.Contains("v3 fw=3.0.0") && r.Contains("t=24.5 h=58")), Is.EqualTo(3), string.Join("\n", rows));
        Assert.That(results[0].FailureMessage, Does.Contain("--- broker: MQTT messages ---").And.Contain("--- node-1 console transcript"),
            "the failure message quotes the evidence too");
    }
}
