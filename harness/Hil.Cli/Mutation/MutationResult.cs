namespace Hil.Cli.Mutation;

public enum MutantStatus { Killed, Survived, TimedOut, BuildFailed }

/// <summary>What became of one mutant: killed (by which scenario, and why), survived, timed out (counted as killed, shown apart), or did not build.</summary>
public sealed record MutantResult(Mutant Mutant, MutantStatus Status, string? KilledBy, string? Detail, TimeSpan Duration, string Diff)
{
    public bool FromCache { get; init; }
    public EquivalentMutant? Equivalent { get; init; }
    /// <summary>The feature file of <see cref="KilledBy"/> (for the cache: a kill stays valid while that file is unchanged).</summary>
    public string? KilledByFile { get; init; }
}

/// <summary>The run's figures. Kill rate = (killed + timed out) / (mutants that built and are not marked equivalent).</summary>
public sealed record MutationSummary(int Mutants, int Killed, int TimedOut, int Survived, int BuildFailed, int Equivalent, TimeSpan Wall, int Jobs, int Seed, int? Sample)
{
    public int Counted => Killed + TimedOut + Survived;
    public double KillRate => Counted == 0 ? 0 : (double)(Killed + TimedOut) / Counted;

    public static MutationSummary Of(IReadOnlyList<MutantResult> results, TimeSpan wall, int jobs, int seed, int? sample)
    {
        var judged = results.Where(r => r.Equivalent is null).ToList();
        return new MutationSummary(results.Count, judged.Count(r => r.Status == MutantStatus.Killed), judged.Count(r => r.Status == MutantStatus.TimedOut),
            judged.Count(r => r.Status == MutantStatus.Survived), judged.Count(r => r.Status == MutantStatus.BuildFailed),
            results.Count(r => r.Equivalent is not null), wall, jobs, seed, sample);
    }
}
