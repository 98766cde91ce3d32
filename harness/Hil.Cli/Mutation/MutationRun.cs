using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Hil.Cli.Mutation;

/// <summary>
/// Runs mutants under the scenarios: one copy of the firmware tree per job (never the working tree), each mutant applied
/// to its copy, built incrementally, and the suite run with `hil run --fail-fast` against the mutant image (and variants
/// built from the mutated copy). The unmutated suite runs first in every copy and must pass: a suite that fails without a
/// mutant kills every mutant and measures nothing.
/// </summary>
public sealed partial class MutationRun(MutationOptions options, TextWriter output)
{
    private readonly Lock _outputLock = new();

    public async Task<(IReadOnlyList<MutantResult> Results, MutationSummary Summary)> RunAsync(CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        string source = Path.GetFullPath(options.SourceDirectory);
        IReadOnlyList<string> files = MutantSelection.Files(source, options.Files, options.Exclude);
        IReadOnlyList<Mutant> all = options.Mutants ?? MutantSelection.Generate(source, files, options.Operators);
        IReadOnlyList<Mutant> chosen = options.Mutants ?? MutantSelection.Sample(all, options.Sample, options.Seed);
        var equivalents = EquivalentMutants.Load(options.EquivalentsFile);
        Say($"hil mutate: {all.Count} mutants in {files.Count} files; running {chosen.Count}" +
            (options.Sample is { } n ? $" (a sample of {n}, seed {options.Seed})" : "") + $" with {options.Jobs} job(s) under \"{options.Tags}\"");

        string featuresRoot = Path.GetFullPath(options.FeaturesDirectory);
        var inputs = new MutantCache.Inputs(
            // The equivalents file may live in the tree (firmware/mutation-equivalents.yaml): marking a mutant changes no result.
            MutantCache.HashTree(source, Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
                .Where(f => options.EquivalentsFile is null || Path.GetFullPath(f) != Path.GetFullPath(options.EquivalentsFile)), options.BuildCommand + "|" + options.Image),
            // The harness: hil's own assembly (the runner) and the Hil.* libraries beside it (steps, drivers, modem, platform).
            MutantCache.HashTree(Path.GetDirectoryName(options.Hil)!, Directory.EnumerateFiles(Path.GetDirectoryName(options.Hil)!, "*.dll")
                .Where(f => Path.GetFileName(f) is var name && (name == "hil.dll" || name.StartsWith("Hil.", StringComparison.Ordinal)))),
            MutantCache.HashTree(featuresRoot, Directory.EnumerateFiles(featuresRoot, "*.feature", SearchOption.AllDirectories), options.Tags));
        var cache = MutantCache.Load(options.CacheFile);

        var results = new ConcurrentBag<MutantResult>();
        var pending = new ConcurrentQueue<Mutant>();
        foreach (Mutant mutant in chosen)
        {
            string text = File.ReadAllText(Path.Combine(source, mutant.File));
            if (cache.Reusable(mutant, inputs, featuresRoot) is { } hit)
                results.Add(new MutantResult(mutant, hit.Status, hit.KilledBy, hit.Detail, TimeSpan.FromSeconds(hit.Seconds), mutant.Diff(text))
                    { FromCache = true, KilledByFile = hit.KilledByFile, Equivalent = equivalents.GetValueOrDefault(mutant.Id) });
            else pending.Enqueue(mutant);
        }
        if (!results.IsEmpty) Say($"  {results.Count} result(s) reused from {options.CacheFile} (same firmware, harness and suite, or the killing feature unchanged)");

        if (!pending.IsEmpty)
        {
            int jobs = Math.Max(1, Math.Min(options.Jobs, pending.Count));
            var slots = Enumerable.Range(0, jobs).Select(k => new Slot(Path.Combine(options.WorkDirectory, $"job-{k}"), source)).ToArray();
            foreach (Slot slot in slots) slot.Prepare();
            Say($"  the unmutated suite, in each of the {jobs} job folder(s) under {options.WorkDirectory} ...");
            var baselines = await Task.WhenAll(slots.Select(s => BuildAndRunAsync(s, null, TimeSpan.FromMinutes(30), cancellationToken)));
            if (baselines.FirstOrDefault(b => b.Status != MutantStatus.Survived) is { } broken)
                throw new InvalidOperationException($"the suite does not pass on the unmutated firmware ({broken.Status}: {broken.KilledBy ?? ""} {broken.Detail}); " +
                                                    "fix that first: every mutant would count as killed");
            TimeSpan timeout = options.Timeout ?? TimeSpan.FromSeconds(Math.Max(60, 3 * baselines.Max(b => b.Duration.TotalSeconds)));
            Say($"  passed in {baselines.Max(b => b.Duration.TotalSeconds):0.0} s; per-mutant timeout {timeout.TotalSeconds:0} s");

            int done = results.Count, total = chosen.Count;
            await Task.WhenAll(slots.Select(async slot =>
            {
                while (pending.TryDequeue(out Mutant? mutant))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    MutantResult result = await BuildAndRunAsync(slot, mutant, timeout, cancellationToken) with { Equivalent = equivalents.GetValueOrDefault(mutant.Id) };
                    results.Add(result);
                    cache.Record(result, inputs, featuresRoot);
                    Say($"  [{Interlocked.Increment(ref done)}/{total}] {Describe(result)}");
                }
            }));
        }

        var ordered = results.OrderBy(r => r.Mutant.File, StringComparer.Ordinal).ThenBy(r => r.Mutant.Offset).ThenBy(r => r.Mutant.Id, StringComparer.Ordinal).ToList();
        foreach (string stale in equivalents.Keys.Except(all.Select(m => m.Id)))
            Say($"  note: {options.EquivalentsFile} marks mutant {stale} ({equivalents[stale].Where}), which no longer exists");
        return (ordered, MutationSummary.Of(ordered, Stopwatch.GetElapsedTime(started), options.Jobs, options.Seed, options.Sample));
    }

    private static string Describe(MutantResult r) => r.Status switch
    {
        MutantStatus.Killed => $"killed    {r.Mutant.Location} {r.Mutant.Operator} by \"{r.KilledBy}\" ({r.Duration.TotalSeconds:0.0} s)",
        MutantStatus.TimedOut => $"timed out {r.Mutant.Location} {r.Mutant.Operator} ({r.Duration.TotalSeconds:0} s)",
        MutantStatus.BuildFailed => $"no build  {r.Mutant.Location} {r.Mutant.Operator}",
        _ => $"SURVIVED  {r.Mutant.Location} {r.Mutant.Operator}: '{r.Mutant.Original}' -> '{r.Mutant.Replacement}'" +
             (r.Equivalent is not null ? " (marked equivalent)" : ""),
    };

    private void Say(string line)
    {
        lock (_outputLock) output.WriteLine(line);
    }

    /// <summary>Applies the mutant (or none) to the slot's copy, builds, runs the suite; the copy is restored afterwards.</summary>
    private async Task<MutantResult> BuildAndRunAsync(Slot slot, Mutant? mutant, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        string diff = "";
        try
        {
            if (mutant is not null)
            {
                string text = slot.Pristine(mutant.File);
                diff = mutant.Diff(text);
                slot.Write(mutant.File, mutant.Apply(text));
            }
            var build = await ShellAsync(options.BuildCommand, slot, TimeSpan.FromMinutes(10), cancellationToken);
            string image = Path.Combine(slot.Build, options.Image);
            if (build.ExitCode != 0 || !File.Exists(image))
                return Result(MutantStatus.BuildFailed, null, Tail(build.Output, 8));
            string[] run = ["run", "--firmware", image, "--tags", options.Tags, "--features", options.FeaturesDirectory,
                "--report", slot.Report, "--fail-fast"];
            var suite = await ProcessAsync(options.Hil, run, slot, timeout, cancellationToken);
            if (suite.TimedOut) return Result(MutantStatus.TimedOut, null, $"no verdict within {timeout.TotalSeconds:0} s");
            if (suite.ExitCode == 0) return Result(MutantStatus.Survived, null, null);
            if (suite.Output.Contains("Building firmware", StringComparison.Ordinal) && suite.Output.Contains(" failed (cmake", StringComparison.Ordinal))
                return Result(MutantStatus.BuildFailed, null, "a firmware variant of the mutant does not build: " + Tail(suite.Output, 6));
            Match fail = FailLine().Match(suite.Output);
            return fail.Success
                ? Result(MutantStatus.Killed, fail.Groups["name"].Value,
                    string.Join(" ", fail.Groups["why"].Value.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)),
                    RelativeFeature(fail.Groups["file"].Value))
                : Result(MutantStatus.Killed, "(no scenario: hil run failed)", Tail(suite.Output, 6));
        }
        finally
        {
            if (mutant is not null) slot.Restore(mutant.File);
        }

        MutantResult Result(MutantStatus status, string? by, string? detail, string? file = null) =>
            new(mutant ?? new Mutant("(none)", 0, 0, "(unmutated)", 0, "", ""), status, by, detail, Stopwatch.GetElapsedTime(started), diff) { KilledByFile = file };
    }

    private string? RelativeFeature(string location)
    {
        if (location.Length == 0) return null;
        string root = Path.GetFullPath(options.FeaturesDirectory);
        string full = Path.IsPathRooted(location) ? location : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(root)!, location));
        return File.Exists(full) ? Path.GetRelativePath(root, full) : null;
    }

    private static string Tail(string text, int lines) =>
        string.Join("\n", text.TrimEnd().Split('\n').TakeLast(lines).Select(l => l.TrimEnd()));

    // The FAIL line, then the first lines of its message (indented by eight spaces): which step failed, and why.
    [GeneratedRegex(@"^  FAIL  (?<name>.+?) \((?<file>[^()]+?\.feature):\d+\)\r?\n(?<why>(?:        [^\n]*\n?){1,4})", RegexOptions.Multiline)]
    private static partial Regex FailLine();

    private sealed record ProcessResult(int ExitCode, string Output, bool TimedOut);

    private Task<ProcessResult> ShellAsync(string command, Slot slot, TimeSpan timeout, CancellationToken cancellationToken) =>
        ProcessAsync("/bin/sh", ["-c", command], slot, timeout, cancellationToken);

    private static async Task<ProcessResult> ProcessAsync(string file, string[] arguments, Slot slot, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = slot.Source,
        };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["HIL_MUTANT_SOURCE"] = slot.Source;
        info.Environment["HIL_MUTANT_BUILD"] = slot.Build;
        // Variants a scenario asks for (another protocol, another version) are built from the mutated copy too.
        info.Environment["HIL_FIRMWARE_SOURCE"] = slot.Source;
        info.Environment["HIL_FIRMWARE_BUILD"] = slot.Variants;
        info.Environment["HIL_FIRMWARE_WERROR"] = "OFF";
        info.Environment["CI"] = "true";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        process.StandardInput.Close();
        var text = new System.Text.StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, text);
        var stderr = PumpAsync(process.StandardError, text);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            // A hanging mutant (or the user's Ctrl+C): the whole tree goes, nodes included.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            await Task.WhenAll(stdout, stderr);
            return new ProcessResult(-1, text.ToString(), TimedOut: true);
        }
        await Task.WhenAll(stdout, stderr);
        lock (text) return new ProcessResult(process.ExitCode, text.ToString(), TimedOut: false);
    }

    private static async Task PumpAsync(StreamReader reader, System.Text.StringBuilder into)
    {
        while (await reader.ReadLineAsync() is { } line)
            lock (into) into.AppendLine(line);
    }

    /// <summary>A job's own copy of the firmware tree, its build folders and report folder.</summary>
    private sealed class Slot(string root, string pristineRoot)
    {
        public string Source => Path.Combine(root, "src");
        public string Build => Path.Combine(root, "build");
        public string Variants => Path.Combine(root, "variants");
        public string Report => Path.Combine(root, "report");

        /// <summary>
        /// Brings the copy in line with the pristine tree: a file whose content differs (a mutant left by an interrupted run,
        /// an edit since) is copied and given a new time, extra files go. Build folders stay, so builds are incremental;
        /// a file is never copied with its old time, which could leave a mutant's object looking newer than its source.
        /// </summary>
        public void Prepare()
        {
            Sync(pristineRoot, Source);
            Directory.CreateDirectory(Build);
            Directory.CreateDirectory(Variants);
        }
        public string Pristine(string file) => File.ReadAllText(Path.Combine(pristineRoot, file));

        public void Write(string file, string text)
        {
            string target = Path.Combine(Source, file);
            File.WriteAllText(target, text);
            File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
        }

        /// <summary>Puts the original back; its new timestamp makes the next build recompile it, as it must.</summary>
        public void Restore(string file)
        {
            string target = Path.Combine(Source, file);
            File.Copy(Path.Combine(pristineRoot, file), target, overwrite: true);
            File.SetLastWriteTimeUtc(target, DateTime.UtcNow); // a copy may keep the old time, older than the mutant's object file
        }

        private static void Sync(string from, string to)
        {
            Directory.CreateDirectory(to);
            var wanted = new HashSet<string>(StringComparer.Ordinal);
            foreach (string file in Directory.EnumerateFiles(from))
            {
                string target = Path.Combine(to, Path.GetFileName(file));
                wanted.Add(target);
                if (File.Exists(target) && File.ReadAllBytes(target).AsSpan().SequenceEqual(File.ReadAllBytes(file))) continue;
                File.Copy(file, target, overwrite: true);
                File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
            }
            foreach (string directory in Directory.EnumerateDirectories(from))
            {
                string target = Path.Combine(to, Path.GetFileName(directory));
                wanted.Add(target);
                Sync(directory, target);
            }
            foreach (string extra in Directory.EnumerateFileSystemEntries(to).Where(e => !wanted.Contains(e)))
            {
                if (Directory.Exists(extra)) Directory.Delete(extra, recursive: true);
                else File.Delete(extra);
            }
        }
    }
}
