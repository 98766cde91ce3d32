namespace Hil.Cli.Mutation;

/// <summary>Which files are mutated and which mutants run: all of them, or a sample drawn with a seed (the same seed, the same sample).</summary>
public static class MutantSelection
{
    /// <summary>The files matching the globs (relative to <paramref name="root"/>, `/` separated), minus the excluded ones, sorted.</summary>
    public static IReadOnlyList<string> Files(string root, IReadOnlyList<string> include, IReadOnlyList<string> exclude)
    {
        var files = include.SelectMany(g => Glob(root, g)).Distinct().ToHashSet(StringComparer.Ordinal);
        files.ExceptWith(exclude.SelectMany(g => Glob(root, g)));
        if (files.Count == 0) throw new ArgumentException($"no file under {root} matches {string.Join(", ", include)}");
        return [.. files.Order(StringComparer.Ordinal)];
    }

    /// <summary>`dir/*.c`, `dir/**/*.c` (any depth) or a plain path.</summary>
    private static IEnumerable<string> Glob(string root, string glob)
    {
        string normalized = glob.Replace('\\', '/');
        bool deep = normalized.Contains("**/", StringComparison.Ordinal);
        normalized = normalized.Replace("**/", "");
        string directory = Path.Combine(root, Path.GetDirectoryName(normalized) ?? "");
        if (!Directory.Exists(directory)) return [];
        return Directory.EnumerateFiles(directory, Path.GetFileName(normalized), deep ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'));
    }

    public static IReadOnlyList<Mutant> Generate(string root, IReadOnlyList<string> files, IReadOnlyList<string>? operators)
    {
        if (operators?.FirstOrDefault(o => !MutationOperators.All.Contains(o)) is { } unknown)
            throw new ArgumentException($"unknown mutation operator '{unknown}' (known: {string.Join(", ", MutationOperators.All)})");
        return files.SelectMany(f => MutationOperators.Generate(f, File.ReadAllText(Path.Combine(root, f))))
            .Where(m => operators is null || operators.Contains(m.Operator)).ToList();
    }

    /// <summary>A seeded draw of <paramref name="count"/> mutants (all when null or more than there are), in a stable order.</summary>
    public static IReadOnlyList<Mutant> Sample(IReadOnlyList<Mutant> all, int? count, int seed)
    {
        if (count is null || count >= all.Count) return all;
        if (count < 1) throw new ArgumentException($"--sample must be at least 1 (got {count})");
        var random = new Random(seed);
        var order = all.OrderBy(m => m.Id, StringComparer.Ordinal).ToArray();
        random.Shuffle(order);
        return [.. order.Take(count.Value).OrderBy(m => m.File, StringComparer.Ordinal).ThenBy(m => m.Offset).ThenBy(m => m.Id, StringComparer.Ordinal)];
    }
}
