using Hil.Harness.Support;

namespace Hil.Cli.Tests;

/// <summary>
/// Issue 15: the same scenario gives the same device-time trace every run. A catalogue scenario once passed alone and
/// failed after other features, because a reading due at the last instant of "1 minute passes" was published or not
/// depending on wall-clock timing; on QEMU an idle node ran freely between steps, so "1 minute passes" ended wherever
/// the node's clock happened to be. The scenario asserts its exact device-time trace (uptime of every reading), so
/// passing alone, after others and beside a CPU load, on native and on QEMU, means the same trace every time.
/// </summary>
[NonParallelizable]
public sealed class DeterministicTimelineTests
{
    private static string Features => Path.Combine(RepositoryLayout.Root, "scenarios", "Features");
    private static string Timeline => Path.Combine(Features, "ProtocolVersioning", "timeline.feature");
    private string _scratch = null!;

    [SetUp]
    public void MakeFolder() => _scratch = Directory.CreateTempSubdirectory("hil-timeline-").FullName;

    [TearDown]
    public void CleanUp() => Directory.Delete(_scratch, recursive: true);

    // Native: after the whole default suite. QEMU: after the @smoke scenarios (the whole suite is `hil bench suite`'s).
    // Under load, not after the @latency scenarios: they hold the machine to wall-clock budgets, which is not what this
    // test is about (`VerdictsUnderLoadTests` runs them under load).
    [TestCase("native", "not @slow and not @wip", false)]
    [TestCase("native", "not @slow and not @wip and not @latency", true)]
    [TestCase("qemu", "@smoke or @trace", false)]
    [TestCase("qemu", "(@smoke or @trace) and not @latency", true)]
    // Renode (issue 16): its virtual time moves only in the harness's steps; skipped where Renode is not installed.
    [TestCase("renode", "@smoke or @trace", false)]
    [TestCase("renode", "(@smoke or @trace) and not @latency", true)]
    public async Task The_timeline_scenario_gives_the_same_trace_alone_and_after_other_features(string target, string after, bool loaded)
    {
        if (target == "renode" && Hil.Harness.Targets.Renode.RenodeHostOptions.Unavailable() is string reason) Assert.Ignore(reason);
        string alone = Path.Combine(_scratch, "alone"), afterOthers = Path.Combine(_scratch, "after");
        Directory.CreateDirectory(alone);
        File.Copy(Timeline, Path.Combine(alone, "timeline.feature"));
        // The other features in the same process (their platforms, nodes and modems), the timeline last.
        foreach (string feature in Directory.EnumerateFiles(Features, "*.feature", SearchOption.AllDirectories).Where(f => f != Timeline))
        {
            string copy = Path.Combine(afterOthers, Path.GetRelativePath(Features, feature));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(feature, copy);
        }
        File.Copy(Timeline, Path.Combine(afterOthers, "ProtocolVersioning", "zz-timeline.feature"));

        using CpuLoad? load = loaded ? CpuLoad.Start(2 * Environment.ProcessorCount) : null;
        foreach ((string folder, string tags) in new[] { (alone, "@trace"), (afterOthers, after) })
        {
            CliProcess.Result result = await CliProcess.RunAsync(TimeSpan.FromMinutes(10),
                ["run", "--target", target, "--features", folder, "--tags", tags, "--report", Path.Combine(_scratch, "report")]);
            string which = $"{target}, {Path.GetFileName(folder)}{(loaded ? ", under load" : "")}";
            Assert.That(result.ExitCode, Is.Zero, $"{which}:\n{result.StandardOutput}{result.StandardError}");
            Assert.That(result.StandardOutput, Does.Contain("ok    The same scenario gives the same device-time trace"), which);
        }
        if (load is not null) Assert.That(load.Running, "the load lasted the whole run");
    }
}
