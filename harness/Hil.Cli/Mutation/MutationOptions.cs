namespace Hil.Cli.Mutation;

/// <summary>Everything `hil mutate` is told; the defaults mutate the reference node under the default suite.</summary>
public sealed record MutationOptions
{
    /// <summary>The firmware source tree, copied once per job (the working tree is never edited).</summary>
    public required string SourceDirectory { get; init; }

    /// <summary>Globs, relative to <see cref="SourceDirectory"/>, of the files to mutate.</summary>
    public IReadOnlyList<string> Files { get; init; } = DefaultFiles;
    public static readonly IReadOnlyList<string> DefaultFiles = ["core/*.c", "core/*.h"];

    /// <summary>Globs left out (generated tables: thousands of constants no scenario is meant to pin).</summary>
    public IReadOnlyList<string> Exclude { get; init; } = DefaultExclude;
    public static readonly IReadOnlyList<string> DefaultExclude = ["core/model_weights.h", "core/dsp_tables.h"];

    /// <summary>
    /// The shell command that builds the native image, run in the job's copy with HIL_MUTANT_SOURCE (the copy) and
    /// HIL_MUTANT_BUILD (its build folder) set; incremental builds make a mutant cost one file's compile.
    /// </summary>
    public string BuildCommand { get; init; } = DefaultBuildCommand;

    /// <summary>The image the build command leaves, relative to HIL_MUTANT_BUILD.</summary>
    public string Image { get; init; } = "hive-node";

    public const string DefaultBuildCommand =
        "[ -f \"$HIL_MUTANT_BUILD/CMakeCache.txt\" ] || cmake -S \"$HIL_MUTANT_SOURCE\" -B \"$HIL_MUTANT_BUILD\" -DHIL_BOARD=native " +
        "-DCMAKE_BUILD_TYPE=Release -DHIL_WERROR=OFF > /dev/null && cmake --build \"$HIL_MUTANT_BUILD\" --target hive-node -j1";

    public required string Tags { get; init; }
    public required string FeaturesDirectory { get; init; }
    public int Jobs { get; init; } = Environment.ProcessorCount;
    /// <summary>How many mutants to run, drawn with <see cref="Seed"/>; null runs all.</summary>
    public int? Sample { get; init; }
    public int Seed { get; init; } = 1;
    /// <summary>Per mutant; null: three times the slowest unmutated run, at least a minute.</summary>
    public TimeSpan? Timeout { get; init; }
    public IReadOnlyList<string>? Operators { get; init; }
    /// <summary>These mutants instead of generated ones (tests choose exactly what to run).</summary>
    public IReadOnlyList<Mutant>? Mutants { get; init; }
    public required string WorkDirectory { get; init; }
    public required string ReportDirectory { get; init; }
    public string? CacheFile { get; init; }
    public string? EquivalentsFile { get; init; }
    /// <summary>The `hil` executable the suites run with.</summary>
    public required string Hil { get; init; }
}
