using System.Diagnostics;
using Hil.Harness.Support;

namespace Hil.Cli.Tests;

/// <summary>
/// ci/changed-since.sh decides whether `./hil` may skip the .NET build: a real run of the script over a folder whose
/// timestamps the test sets, so nothing depends on how fast the machine is.
/// </summary>
public sealed class ChangedSinceTests
{
    private static readonly DateTime Built = DateTime.UtcNow.AddMinutes(-10), Before = Built.AddHours(-1), After = Built.AddMinutes(5);
    private string _root = "", _stamp = "";

    [SetUp]
    public void CreateCheckout()
    {
        _root = Directory.CreateTempSubdirectory("hil-changed-since-").FullName;
        foreach (string file in new[] { "src/a.cs", "src/old.cs", "src/bin/a.dll", "src/obj/a.json", "build/firmware/x", "artifacts/report/index.html", ".git/index" })
        {
            string path = Path.Combine(_root, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file);
        }
        foreach (string entry in Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories).Append(_root))
            SetTime(entry, Before);
        _stamp = Path.Combine(_root, "build", "dotnet-Release.stamp");
        File.WriteAllText(_stamp, "");
        SetTime(_stamp, Built);
        SetTime(Path.Combine(_root, "build"), Before);
    }

    [TearDown]
    public void DeleteCheckout() => Directory.Delete(_root, recursive: true);

    [Test]
    public async Task Nothing_is_reported_when_only_build_outputs_changed_after_the_build()
    {
        Assert.That(await ChangedSinceAsync(), Is.Empty, "nothing touched yet");
        foreach (string output in new[] { "src/bin/a.dll", "src/obj/a.json", "build/firmware/x", "artifacts/report/index.html", ".git/index" })
            SetTime(Path.Combine(_root, output), After);

        Assert.That(await ChangedSinceAsync(), Is.Empty);
    }

    [Test]
    public async Task An_edited_source_file_is_reported()
    {
        SetTime(Path.Combine(_root, "src", "a.cs"), After);

        Assert.That(await ChangedSinceAsync(), Is.EqualTo(Path.Combine(_root, "src", "a.cs")));
    }

    [Test]
    public async Task A_deleted_source_file_is_reported_as_its_folder()
    {
        File.Delete(Path.Combine(_root, "src", "old.cs")); // the folder's time is now, after the build

        Assert.That(await ChangedSinceAsync(), Is.EqualTo(Path.Combine(_root, "src")));
    }

    [Test]
    public async Task A_missing_stamp_is_an_error_not_an_empty_answer()
    {
        File.Delete(_stamp);

        (int exitCode, string output, string error) = await RunAsync(_root, _stamp);
        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(output, Is.Empty);
        Assert.That(error, Does.Contain("no stamp file"));
    }

    private static void SetTime(string path, DateTime time)
    {
        if (Directory.Exists(path)) Directory.SetLastWriteTimeUtc(path, time);
        else File.SetLastWriteTimeUtc(path, time);
    }

    private async Task<string> ChangedSinceAsync()
    {
        (int exitCode, string output, string error) = await RunAsync(_root, _stamp);
        Assert.That(exitCode, Is.Zero, error);
        return output.Trim();
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(RepositoryLayout.Root, "ci", "changed-since.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
