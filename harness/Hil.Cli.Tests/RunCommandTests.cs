using System.Xml.Linq;

namespace Hil.Cli.Tests;

public sealed class RunCommandTests
{
    [TestCase("native", "@smoke and @console")]
    [TestCase("qemu", "@smoke and @console and not @stimulus")]
    public async Task Run_runs_the_selected_scenarios_and_writes_the_reports(string target, string tags)
    {
        string report = Path.Combine(Path.GetTempPath(), $"hil-report-{Guid.NewGuid():N}");
        try
        {
            CliProcess.Result result = await CliProcess.RunAsync("run", "--target", target, "--tags", tags, "--report", report);

            Assert.That(result.ExitCode, Is.Zero, result.StandardOutput + result.StandardError);
            Assert.That(result.StandardOutput, Does.Contain($"on the {target} target"));
            Assert.That(result.StandardOutput, Does.Contain("  ok    The node's console tells who it is: the node reports its firmware and protocol version"));
            Assert.That(result.StandardOutput.TrimEnd(), Does.Match(@"\n[1-9]\d* passed, 0 failed, \d+ skipped$"));
            XDocument junit = XDocument.Load(Path.Combine(report, "junit.xml"));
            Assert.That(junit.Root!.Attribute("failures")!.Value, Is.EqualTo("0"));
            Assert.That(File.ReadAllText(Path.Combine(report, "index.html")), Does.Contain("the node reports its firmware and protocol version"));
            Assert.That(File.Exists(Path.Combine(report, "cucumber.json")));
        }
        finally
        {
            if (Directory.Exists(report)) Directory.Delete(report, recursive: true);
        }
    }

    [Test]
    public async Task A_failing_scenario_fails_the_run_with_its_step_file_line_and_evidence()
    {
        string features = Path.Combine(Path.GetTempPath(), $"hil-features-{Guid.NewGuid():N}");
        Directory.CreateDirectory(features);
        await File.WriteAllTextAsync(Path.Combine(features, "wrong.feature"),
            "Feature: Wrong expectations\n  Scenario: the node is not 9.9.9\n    Given a node\n    When \"version\" is typed on the console\n    Then the console answers \"fw=9.9.9\"\n");
        try
        {
            CliProcess.Result result = await CliProcess.RunAsync("run", "--features", features, "--report", Path.Combine(features, "report"));

            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.StandardOutput, Does.Contain("FAIL  Wrong expectations: the node is not 9.9.9"));
            Assert.That(result.StandardOutput, Does.Contain("wrong.feature:5"));
            Assert.That(result.StandardOutput, Does.Contain("fw=3.0.0 protocol=3"), "the reply seen");
            Assert.That(result.StandardOutput, Does.Contain("--- node-1 console transcript").And.Contain("--- node-1 link transcript"),
                "the node's transcripts are the evidence");
            Assert.That(result.StandardOutput.TrimEnd(), Does.EndWith("0 passed, 1 failed, 0 skipped"));
        }
        finally
        {
            Directory.Delete(features, recursive: true);
        }
    }

    [Test]
    public async Task A_missing_firmware_image_is_one_clear_line_and_a_failure()
    {
        CliProcess.Result result = await CliProcess.RunAsync("run", "--firmware", "/nonexistent/hive-node");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StandardError.Trim(), Is.EqualTo("hil: error: The firmware image '/nonexistent/hive-node' does not exist."));
    }

    [TestCase("--target", "toaster", "Unknown target 'toaster'")]
    [TestCase("--tags", "@smoke and", "The tag expression \"@smoke and\" ends where a tag")]
    public async Task Bad_options_are_refused_in_one_line(string option, string value, string message)
    {
        CliProcess.Result result = await CliProcess.RunAsync("run", option, value);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StandardError, Does.Contain(message));
        Assert.That(result.StandardOutput + result.StandardError, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public async Task Help_lists_every_command()
    {
        CliProcess.Result result = await CliProcess.RunAsync("--help");

        Assert.That(result.ExitCode, Is.Zero);
        Assert.That(result.StandardOutput, Does.Contain("run").And.Contain("steps").And.Contain("console").And.Contain("bench"));
    }
}
