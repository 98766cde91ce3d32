using Hil.Backend.Hosting;
using Hil.Cli.Commands;

namespace Hil.Cli.Tests;

public sealed class PlatformCommandTests
{
    private static PlatformCommand.PlatformSettings Settings(int? retentionDays) =>
        new(("127.0.0.1", 0), ("127.0.0.1", 0), "data", null, null, Provisioning.Open, retentionDays);

    [Test]
    public void Retention_days_become_the_backends_retention_and_none_keeps_everything()
    {
        Assert.That(PlatformCommand.OptionsFor(Settings(7)).Retention, Is.EqualTo(TimeSpan.FromDays(7)));
        Assert.That(PlatformCommand.OptionsFor(Settings(null)).Retention, Is.Null);
    }

    [Test]
    public async Task A_retention_of_zero_days_is_one_clear_error_before_anything_starts()
    {
        CliProcess.Result result = await CliProcess.RunAsync("platform", "up", "--retention-days", "0", "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StandardError, Does.Contain("--retention-days takes a number of days from 1 to 36500, got 0"));
        Assert.That(result.StandardOutput, Does.Not.Contain("broker"), "nothing was started");
    }
}
