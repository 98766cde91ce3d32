using Hil.Harness.Support;

namespace Hil.Cli.Tests;

/// <summary>
/// Issue 15, point 3: a catalogue scenario passed alone and failed after other features, because a reading due at the
/// last instant of "1 minute passes" was published or not depending on wall-clock timing. The scenario asserts its
/// exact device-time trace (uptime of every reading), so passing alone and after others means the same trace.
/// </summary>
public sealed class DeterministicTimelineTests
{
    private static string Features => Path.Combine(RepositoryLayout.Root, "scenarios", "Features");

    [Test]
    public async Task The_timeline_scenario_gives_the_same_trace_alone_and_after_other_features()
    {
        string scratch = Directory.CreateTempSubdirectory("hil-timeline-").FullName;
        try
        {
            string alone = Path.Combine(scratch, "alone"), after = Path.Combine(scratch, "after");
            Directory.CreateDirectory(alone);
            Directory.CreateDirectory(after);
            string timeline = Path.Combine(Features, "ProtocolVersioning", "timeline.feature");
            File.Copy(timeline, Path.Combine(alone, "timeline.feature"));
            // After the whole default suite (its platforms, nodes and modems in the same process), itself last.
            foreach (string feature in Directory.EnumerateFiles(Features, "*.feature", SearchOption.AllDirectories).Where(f => f != timeline))
            {
                string target = Path.Combine(after, Path.GetRelativePath(Features, feature));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(feature, target);
            }
            File.Copy(timeline, Path.Combine(after, "ProtocolVersioning", "zz-timeline.feature"));

            foreach (string folder in new[] { alone, after })
            {
                CliProcess.Result result = await CliProcess.RunAsync("run", "--features", folder, "--report", Path.Combine(scratch, "report"));
                Assert.That(result.ExitCode, Is.Zero, $"{Path.GetFileName(folder)}:\n{result.StandardOutput}");
                Assert.That(result.StandardOutput, Does.Contain("ok    The same scenario gives the same device-time trace"), Path.GetFileName(folder));
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
