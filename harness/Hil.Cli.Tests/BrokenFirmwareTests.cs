using System.Diagnostics;
using Hil.Harness.Support;

namespace Hil.Cli.Tests;

/// <summary>
/// The scenarios catch a broken firmware (docs/broken-firmware.md): the reference node built with
/// -DHIL_FAULT_NO_OFFLINE_BUFFER=ON drops the readings it takes while Wi-Fi is down, and the Wi-Fi loss
/// scenario fails naming the lost readings.
/// </summary>
public sealed class BrokenFirmwareTests
{
    [Test]
    public async Task A_node_without_its_offline_buffer_fails_the_wifi_loss_scenario_naming_the_lost_readings()
    {
        string image = await BuildFaultyNodeAsync();
        string features = Path.Combine(Path.GetTempPath(), $"hil-broken-{Guid.NewGuid():N}");
        Directory.CreateDirectory(features);
        File.Copy(Path.Combine(RepositoryLayout.Root, "scenarios", "Features", "Stability", "wifi-loss.feature"), Path.Combine(features, "wifi-loss.feature"));
        try
        {
            CliProcess.Result result = await CliProcess.RunAsync("run", "--firmware", image, "--features", features, "--tags", "@smoke",
                "--report", Path.Combine(features, "report"));

            Assert.That(result.ExitCode, Is.EqualTo(1), result.StandardOutput + result.StandardError);
            Assert.That(result.StandardOutput, Does.Contain("FAIL  A node rides out a lost Wi-Fi link without losing readings: one minute without Wi-Fi"));
            Assert.That(result.StandardOutput, Does.Contain("Step \"Then the readings on the link have no gaps and no duplicates\" failed"));
            Assert.That(result.StandardOutput, Does.Match(@"'node-1' boot 1: the first reading on the link is seq \d+ \(\d+ lost before it\)"), "the message names the lost readings");
            Assert.That(result.StandardOutput.TrimEnd(), Does.EndWith("0 passed, 1 failed, 2 skipped"), "the other scenarios of the file are not @smoke");
        }
        finally
        {
            Directory.Delete(features, recursive: true);
        }
    }

    /// <summary>The native node with the fault compiled in, built incrementally in build/firmware/native-fault-no-offline-buffer.</summary>
    private static async Task<string> BuildFaultyNodeAsync()
    {
        string directory = Path.Combine(RepositoryLayout.BuildDirectory, "firmware", "native-fault-no-offline-buffer");
        await CMakeAsync("-S", Path.Combine(RepositoryLayout.Root, "firmware"), "-B", directory, "-DHIL_BOARD=native", "-DCMAKE_BUILD_TYPE=Release",
            "-DHIL_FAULT_NO_OFFLINE_BUFFER=ON", "-DBUILD_ID=fault-no-offline-buffer");
        await CMakeAsync("--build", directory, "--target", "hive-node", "-j2");
        return Path.Combine(directory, "hive-node");
    }

    private static async Task CMakeAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("cmake") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, $"cmake {string.Join(' ', arguments)}:\n{await output}{await error}");
    }
}
