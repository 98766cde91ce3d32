using System.CommandLine;
using Hil.Cli.Mutation;
using Hil.Harness.Support;
using Hil.Steps;

namespace Hil.Cli.Commands;

/// <summary>`hil mutate`: mutation testing of firmware under the scenarios (how many realistic bugs the suite catches).</summary>
internal static class MutateCommand
{
    public static Command Create()
    {
        var source = new Option<string>("--source") { Description = "Firmware source tree (copied per job; never edited)", DefaultValueFactory = _ => Path.Combine(RepositoryLayout.Root, "firmware") };
        var files = new Option<string[]>("--files") { Description = "Globs of files to mutate, relative to --source (default core/*.c core/*.h)", AllowMultipleArgumentsPerToken = true };
        var exclude = new Option<string[]>("--exclude") { Description = "Globs left out (default the generated core/model_weights.h core/dsp_tables.h)", AllowMultipleArgumentsPerToken = true };
        var build = new Option<string>("--build") { Description = "Shell command building the native image in a job's copy ($HIL_MUTANT_SOURCE, $HIL_MUTANT_BUILD); default: the reference node's CMake build", DefaultValueFactory = _ => MutationOptions.DefaultBuildCommand };
        var image = new Option<string>("--image") { Description = "The image the build leaves, relative to $HIL_MUTANT_BUILD", DefaultValueFactory = _ => "hive-node" };
        var tags = new Option<string>("--tags") { Description = "Tag expression of the suite each mutant runs", DefaultValueFactory = _ => StepCatalogue.DefaultTags };
        var features = new Option<string>("--features") { Description = "Folder of .feature files", DefaultValueFactory = _ => Path.Combine(RepositoryLayout.Root, "scenarios", "Features") };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Mutants run at once (default: the core count)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var sample = new Option<int?>("--sample") { Description = "Run N mutants drawn with --seed (default: all)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the sample", DefaultValueFactory = _ => 1 };
        var timeout = new Option<double?>("--timeout") { Description = "Seconds per mutant before it counts as hung (default: 3 × the unmutated suite, at least 60)" };
        var operators = new Option<string[]>("--operators") { Description = $"Only these operators ({string.Join(", ", MutationOperators.All)})", AllowMultipleArgumentsPerToken = true };
        var report = new Option<string>("--report") { Description = "Folder for mutation.json, junit.xml and index.html", DefaultValueFactory = _ => Path.Combine(RepositoryLayout.Root, "artifacts", "mutation") };
        var equivalents = new Option<string>("--equivalents") { Description = "File of mutants marked equivalent, with reasons", DefaultValueFactory = _ => Path.Combine(RepositoryLayout.Root, "firmware", "mutation-equivalents.yaml") };
        var noCache = new Option<bool>("--no-cache") { Description = "Run every mutant, ignoring and keeping no earlier results" };
        var minKill = new Option<double?>("--min-kill-rate") { Description = "Exit non-zero when the kill rate (percent) is below this (for CI)" };
        var list = new Option<bool>("--list") { Description = "Only list the mutants (after --sample) and exit" };
        var record = new Option<bool>("--record") { Description = "Write the run's figures to docs/benchmarks.md (mutants, kill rate, wall time, jobs, seed)" };
        var command = new Command("mutate", "Mutation testing of firmware under the scenarios: small realistic bugs put into the source one at a time; " +
                                             "a mutant the suite does not fail on is a gap in the scenarios")
        {
            source, files, exclude, build, image, tags, features, jobs, sample, seed, timeout, operators, report, equivalents, noCache, minKill, list, record,
        };
        command.SetAction((parse, ct) => CliErrors.GuardAsync(async () =>
        {
            string work = Path.Combine(RepositoryLayout.BuildDirectory, "mutation");
            var options = new MutationOptions
            {
                SourceDirectory = parse.GetValue(source)!,
                Files = parse.GetValue(files) is { Length: > 0 } f ? f : MutationOptions.DefaultFiles,
                Exclude = parse.GetValue(exclude) is { Length: > 0 } x ? x : MutationOptions.DefaultExclude,
                BuildCommand = parse.GetValue(build)!, Image = parse.GetValue(image)!,
                Tags = parse.GetValue(tags)!, FeaturesDirectory = parse.GetValue(features)!,
                Jobs = parse.GetValue(jobs) is >= 1 and var j ? j : throw new ArgumentException("--jobs must be at least 1"),
                Sample = parse.GetValue(sample), Seed = parse.GetValue(seed),
                Timeout = parse.GetValue(timeout) is double t ? TimeSpan.FromSeconds(t) : null,
                Operators = parse.GetValue(operators) is { Length: > 0 } o ? o : null,
                WorkDirectory = Path.Combine(work, "jobs"), ReportDirectory = parse.GetValue(report)!,
                CacheFile = parse.GetValue(noCache) ? null : Path.Combine(work, "cache.json"),
                EquivalentsFile = parse.GetValue(equivalents),
                Hil = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where hil runs from"),
            };
            if (parse.GetValue(list)) return List(options);
            var (results, summary) = await new MutationRun(options, Console.Out).RunAsync(ct);
            MutationReport.Write(options.ReportDirectory, results, summary, $"hil mutate — {Path.GetFileName(options.SourceDirectory.TrimEnd('/'))}, \"{options.Tags}\"");
            foreach (var r in results.Where(r => r.Status == MutantStatus.Survived && r.Equivalent is null))
                Console.WriteLine($"survivor {r.Mutant.Id} {r.Mutant.Operator}\n{r.Diff}");
            Console.WriteLine($"reports: {Path.Combine(options.ReportDirectory, "index.html")} (mutation.json, junit.xml)");
            Console.WriteLine(MutationReport.SummaryLine(summary));
            if (parse.GetValue(record)) Console.Error.WriteLine($"hil: recorded in {Record(summary, options, results.Count(r => r.FromCache))}");
            if (parse.GetValue(minKill) is double minimum && summary.KillRate * 100 < minimum)
            {
                Console.Error.WriteLine($"hil: the kill rate {summary.KillRate:P1} is below --min-kill-rate {minimum}%");
                return 1;
            }
            return 0;
        }));
        return command;
    }

    private static string Record(MutationSummary s, MutationOptions options, int cached) => Benchmarks.BenchmarkLog.Record("Mutation testing",
        $"`./hil mutate{(s.Sample is { } n ? $" --sample {n} --seed {s.Seed}" : "")} --jobs {s.Jobs}`: mutants of `{string.Join(" ", options.Files)}` " +
        $"(without {string.Join(", ", options.Exclude)}) under the suite \"{options.Tags}\"; each mutant built incrementally in its job's copy and run " +
        "with `hil run --fail-fast`. Kill rate = (killed + timed out) / the mutants that built and are not marked equivalent. " +
        $"Goal: ≥ 90 %, 150 mutants in ≤ 20 min on 2 cores. {cached} result(s) came from the cache. Load average after: {Benchmarks.MachineLoad.Average()}.",
        "| mutants | killed | timed out | survived | did not build | marked equivalent | kill rate | wall (min) | jobs | goal | verdict |\n" +
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n" +
        $"| {s.Mutants} | {s.Killed} | {s.TimedOut} | {s.Survived} | {s.BuildFailed} | {s.Equivalent} | {s.KillRate:P1} | {s.Wall.TotalMinutes:0.0} | {s.Jobs} | " +
        $"≥ 90 % | {(s.KillRate >= 0.9 ? "meets goal" : "MISSES goal")} |");

    private static int List(MutationOptions options)
    {
        string root = Path.GetFullPath(options.SourceDirectory);
        var all = MutantSelection.Generate(root, MutantSelection.Files(root, options.Files, options.Exclude), options.Operators);
        var chosen = MutantSelection.Sample(all, options.Sample, options.Seed);
        foreach (Mutant m in chosen) Console.WriteLine($"{m.Id} {m.Location} {m.Operator}: '{m.Original}' -> '{m.Replacement}'");
        Console.WriteLine($"{chosen.Count} of {all.Count} mutants; by operator: " +
                          string.Join(", ", all.GroupBy(m => m.Operator).Select(g => $"{g.Key} {g.Count()}")));
        return 0;
    }
}
