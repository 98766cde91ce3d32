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
    public void Anomaly_retraining_hours_and_days_become_the_backends_schedule_and_zero_hours_never_retrains()
    {
        var settings = Settings(null) with { AnomalyRetrainHours = 6, AnomalyDays = 3 };
        Assert.That(PlatformCommand.OptionsFor(settings).Anomaly.RetrainInterval, Is.EqualTo(TimeSpan.FromHours(6)));
        Assert.That(PlatformCommand.OptionsFor(settings).Anomaly.TrainingWindow, Is.EqualTo(TimeSpan.FromDays(3)));
        Assert.That(PlatformCommand.OptionsFor(settings with { AnomalyRetrainHours = 0 }).Anomaly.RetrainInterval, Is.Null);
        Assert.That(() => PlatformCommand.OptionsFor(settings with { AnomalyDays = 0 }), Throws.ArgumentException.With.Message.Contains("--anomaly-days"));
    }

    [Test]
    public async Task A_missing_anomaly_model_file_is_one_clear_error()
    {
        string data = Directory.CreateTempSubdirectory("hil-platform-").FullName;
        try
        {
            CliProcess.Result result = await CliProcess.RunAsync("platform", "up", "--anomaly-model", "/nonexistent/forest.json", "--data", data,
                "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0");
            Assert.That(result.ExitCode, Is.Not.Zero);
            Assert.That(result.StandardError, Does.Contain("no anomaly model at /nonexistent/forest.json"));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Test]
    public async Task A_retention_of_zero_days_is_one_clear_error_before_anything_starts()
    {
        CliProcess.Result result = await CliProcess.RunAsync("platform", "up", "--retention-days", "0", "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0");

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StandardError, Does.Contain("--retention-days takes a number of days from 1 to 36500, got 0"));
        Assert.That(result.StandardOutput, Does.Not.Contain("broker"), "nothing was started");
    }

    [Test]
    public async Task A_postgres_database_the_role_may_not_write_is_one_line_naming_the_database_and_the_reason()
    {
        await using var server = await Hil.Backend.Storage.ScratchPostgres.StartAsync();
        await server.CreateDatabaseAsync(); // creates the least-privilege owner role
        await server.AsSuperuserAsync($"CREATE DATABASE theirs OWNER {Hil.Backend.Storage.ScratchPostgres.Superuser}");
        string data = Directory.CreateTempSubdirectory("hil-platform-").FullName;
        try
        {
            CliProcess.Result result = await CliProcess.RunAsync("platform", "up", "--postgres", server.ConnectionString("theirs"), "--data", data,
                "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0");

            Assert.That(result.ExitCode, Is.EqualTo(1), result.StandardError);
            string[] lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(1), "one line, no stack trace");
            Assert.That(lines[0], Does.StartWith("hil: error: postgres database at 127.0.0.1:").And.Contain("database 'theirs' as user 'hil'")
                .And.Contain("42501: permission denied for schema public"));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
