using System.Diagnostics;
using Hil.Cli.Mutation;
using Hil.Harness.Support;

namespace Hil.Cli.Tests;

/// <summary>
/// `hil mutate`'s runner end to end on the reference firmware and a one-scenario suite, with mutants chosen by hand so
/// each outcome is certain: killed (naming the scenario), survived, did not build, hung (killed by its timeout); the
/// cache reruns only what a changed suite could change; the working tree is never touched.
/// </summary>
public sealed class MutateRunTests
{
    private const string Feature = """
        Feature: The console as the mutation fixture
          Scenario: version names the protocol
            Given a node
            When "version" is typed on the console
            Then the console answers "protocol=3"
        """;

    private string _scratch = null!;
    private string _features = null!;

    [SetUp]
    public void Prepare()
    {
        _scratch = Directory.CreateTempSubdirectory("hil-mutate-").FullName;
        _features = Path.Combine(_scratch, "features");
        Directory.CreateDirectory(_features);
        File.WriteAllText(Path.Combine(_features, "version.feature"), Feature);
    }

    [TearDown]
    public void Clean() => Directory.Delete(_scratch, recursive: true);

    private static string Firmware => Path.Combine(RepositoryLayout.Root, "firmware");

    /// <summary>A mutant replacing the first <paramref name="original"/> in <paramref name="file"/>.</summary>
    private static Mutant At(string file, string original, string replacement)
    {
        string text = File.ReadAllText(Path.Combine(Firmware, file));
        int offset = text.IndexOf(original, StringComparison.Ordinal);
        Assert.That(offset, Is.GreaterThanOrEqualTo(0), $"'{original}' in {file}");
        int line = text[..offset].Count(c => c == '\n') + 1;
        return new Mutant(file, line, offset - text.LastIndexOf('\n', Math.Max(0, offset - 1)), "fixture", offset, original, replacement);
    }

    private MutationOptions Options(IReadOnlyList<Mutant> mutants) => new()
    {
        SourceDirectory = Firmware, Tags = "", FeaturesDirectory = _features, Jobs = 1, Timeout = TimeSpan.FromSeconds(10), Mutants = mutants,
        WorkDirectory = Path.Combine(_scratch, "jobs"), ReportDirectory = Path.Combine(_scratch, "report"), CacheFile = Path.Combine(_scratch, "cache.json"),
        Hil = Path.Combine(AppContext.BaseDirectory, "hil"),
    };

    [Test]
    public async Task Each_outcome_is_reported_the_cache_reruns_only_what_changed_and_the_working_tree_is_untouched()
    {
        string before = await GitStatusAsync();
        Mutant killed = At("core/cli.c", "\" protocol=\"", "\" protokol=\"");
        Mutant survives = At("core/app.c", "void app_init(void)\n{", "void app_init(void)\n{ /* a comment changes nothing */");
        Mutant broken = At("core/cli.c", "\" protocol=\"", "\" protocol=");
        Mutant hangs = At("core/app.c", "void app_init(void)\n{", "void app_init(void)\n{ for (;;) {}");
        var output = new StringWriter();

        var (results, summary) = await new MutationRun(Options([killed, survives, broken, hangs]), output).RunAsync(CancellationToken.None);

        MutantResult Of(Mutant m) => results.Single(r => r.Mutant.Id == m.Id);
        Assert.That((Of(killed).Status, Of(killed).KilledBy), Is.EqualTo((MutantStatus.Killed, "The console as the mutation fixture: version names the protocol")), output.ToString());
        Assert.That(Of(killed).Detail, Does.Contain("protocol=3"), "the failure says what was expected");
        Assert.That(Of(survives).Status, Is.EqualTo(MutantStatus.Survived));
        Assert.That(Of(broken).Status, Is.EqualTo(MutantStatus.BuildFailed));
        Assert.That(Of(hangs).Status, Is.EqualTo(MutantStatus.TimedOut));
        Assert.That((summary.Killed, summary.TimedOut, summary.Survived, summary.BuildFailed), Is.EqualTo((1, 1, 1, 1)));
        Assert.That(summary.KillRate, Is.EqualTo(2.0 / 3).Within(1e-9), "timed out counts as killed; a mutant that does not build is not counted");
        Assert.That(await GitStatusAsync(), Is.EqualTo(before), "the working tree is untouched");

        // The same inputs again: nothing runs.
        var again = await new MutationRun(Options([killed, survives, broken, hangs]), new StringWriter()).RunAsync(CancellationToken.None);
        Assert.That(again.Results.Select(r => r.FromCache), Is.All.True);
        Assert.That(again.Summary.Wall, Is.LessThan(TimeSpan.FromSeconds(5)), "reused, not run (a bound far above reading a file)");

        // One scenario added: the kill stands (its feature file is unchanged); the survivor and the hang run again.
        File.WriteAllText(Path.Combine(_features, "more.feature"), Feature.Replace("The console as the mutation fixture", "Another feature"));
        var third = await new MutationRun(Options([killed, survives, hangs]), new StringWriter()).RunAsync(CancellationToken.None);
        Assert.That(third.Results.ToDictionary(r => r.Mutant.Id, r => r.FromCache),
            Is.EqualTo(new Dictionary<string, bool> { [killed.Id] = true, [survives.Id] = false, [hangs.Id] = false }));
    }

    [Test]
    public void A_suite_that_fails_without_any_mutant_stops_the_run_with_the_reason()
    {
        File.WriteAllText(Path.Combine(_features, "version.feature"), Feature.Replace("protocol=3", "protocol=9"));
        var run = new MutationRun(Options([At("core/cli.c", "\" protocol=\"", "\" protokol=\"")]), new StringWriter());
        Assert.That(() => run.RunAsync(CancellationToken.None), Throws.InvalidOperationException.With.Message.Contains("does not pass on the unmutated firmware"));
    }

    private static async Task<string> GitStatusAsync()
    {
        var info = new ProcessStartInfo("git", ["status", "--porcelain", "--", "firmware"])
            { WorkingDirectory = RepositoryLayout.Root, RedirectStandardOutput = true, UseShellExecute = false };
        using var git = Process.Start(info)!;
        string text = await git.StandardOutput.ReadToEndAsync();
        await git.WaitForExitAsync();
        return text;
    }
}
