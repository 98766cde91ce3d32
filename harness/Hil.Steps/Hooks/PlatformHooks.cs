using Hil.Gherkin.Bindings;
using Hil.Gherkin.Model;
using Hil.Steps.Drivers;

namespace Hil.Steps.Hooks;

/// <summary>
/// Scenarios tagged @platform bridge their nodes to the scenario's broker and backend from the first node on.
/// The run's <see cref="PlatformPool"/> starts its spares as the run begins (for the scenarios tagged @platform, when
/// the run says how many: <see cref="UsesThePlatform"/>) and stops every platform before the run ends.
/// </summary>
[Binding]
public sealed class PlatformHooks(ScenarioPlatform platform)
{
    /// <summary>The tag of the scenarios that use the platform; the pool starts platforms in advance for them.</summary>
    public const string Tag = "@platform";

    [BeforeTestRun]
    public static void StartTheFirstPlatform(PlatformPool pool) => pool.Prepare();

    [AfterTestRun]
    public static Task StopEveryPlatform(PlatformPool pool) => pool.DrainAsync();

    [BeforeScenario(Tag)]
    public void UseThePlatform() => platform.Wanted = true;

    /// <summary>The scenario will take a platform (a scenario without the tag that starts one still gets it, later).</summary>
    public static bool UsesThePlatform(ScenarioCase scenario) => scenario.Tags.Contains(Tag, StringComparer.Ordinal);

    /// <summary>
    /// The run order of a suite: the features none of whose <paramref name="selected"/> scenarios takes a platform
    /// first, then the others, each group in the order given. A cold process needs ~0.4 s to start its first broker and
    /// backend (mostly compiling them); started as the run begins, it is up before the first platform scenario asks for
    /// it, instead of keeping that scenario waiting. Features stay whole (their hooks run once) and the order stays the
    /// same from run to run.
    /// </summary>
    public static IReadOnlyList<ScenarioCase> FeaturesWithoutPlatformFirst(IReadOnlyList<ScenarioCase> scenarios, Func<ScenarioCase, bool> selected)
    {
        HashSet<string> withPlatform = scenarios.Where(s => selected(s) && UsesThePlatform(s)).Select(s => s.Feature.FilePath).ToHashSet(StringComparer.Ordinal);
        return scenarios.Where(s => !withPlatform.Contains(s.Feature.FilePath))
            .Concat(scenarios.Where(s => withPlatform.Contains(s.Feature.FilePath))).ToArray();
    }

    /// <summary>
    /// Whether some feature file under <paramref name="featuresDirectory"/> is tagged @platform as a whole and its tags
    /// alone are <paramref name="selected"/>: a look at the files' first lines, far cheaper than parsing the features
    /// (which a cold process has to compile first), so that a platform can start meanwhile when the run will likely take one.
    /// </summary>
    public static bool LikelyUsedBy(string featuresDirectory, Func<IReadOnlyList<string>, bool> selected) =>
        Directory.Exists(featuresDirectory) &&
        Directory.EnumerateFiles(featuresDirectory, "*.feature", SearchOption.AllDirectories).Select(FeatureTags)
            .Any(tags => tags.Contains(Tag, StringComparer.Ordinal) && selected(tags));

    // The tags on the lines before "Feature:" (comments and blank lines skipped).
    private static IReadOnlyList<string> FeatureTags(string file)
    {
        var tags = new List<string>();
        foreach (string line in File.ReadLines(file).Select(l => l.Trim()))
        {
            if (line.StartsWith('@')) tags.AddRange(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).TakeWhile(t => t.StartsWith('@')));
            else if (line.Length > 0 && !line.StartsWith('#')) break;
        }
        return tags;
    }
}
