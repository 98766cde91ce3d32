namespace Hil.Cli.Tests;

public sealed class RunCommandTests
{
    [TestCase("native")]
    [TestCase("qemu")]
    public async Task Run_boots_the_node_and_reports_each_check(string target)
    {
        CliProcess.Result result = await CliProcess.RunAsync("run", "--target", target);

        Assert.That(result.ExitCode, Is.Zero, result.StandardOutput + result.StandardError);
        Assert.That(result.StandardOutput, Does.Contain("ok    boot to prompt"));
        Assert.That(result.StandardOutput, Does.Contain("ok    version").And.Contain("fw=3.0.0"));
        Assert.That(result.StandardOutput, Does.Contain("ok    status"));
        Assert.That(result.StandardOutput, Does.Contain("ok    stimulus -> telemetry").And.Contain("24.5 °C published on devices/"));
        Assert.That(result.StandardOutput.TrimEnd(), Does.EndWith("4 passed, 0 failed"));
    }

    [Test]
    public async Task A_missing_firmware_image_is_one_clear_line_and_a_failure()
    {
        CliProcess.Result result = await CliProcess.RunAsync("run", "--firmware", "/nonexistent/hive-node");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StandardOutput, Does.Contain("FAIL  boot to prompt").And.Contain("/nonexistent/hive-node"));
        Assert.That(result.StandardOutput + result.StandardError, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public async Task An_unknown_target_is_refused_with_the_known_ones()
    {
        CliProcess.Result result = await CliProcess.RunAsync("run", "--target", "toaster");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StandardError, Does.Contain("Unknown target 'toaster'").And.Contain("native, qemu"));
    }

    [Test]
    public async Task Help_lists_every_command()
    {
        CliProcess.Result result = await CliProcess.RunAsync("--help");

        Assert.That(result.ExitCode, Is.Zero);
        Assert.That(result.StandardOutput, Does.Contain("run").And.Contain("console").And.Contain("bench"));
    }
}
