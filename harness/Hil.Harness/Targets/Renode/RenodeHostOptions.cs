namespace Hil.Harness.Targets.Renode;

/// <summary>How the harness starts (or finds) the Renode that runs its renode targets.</summary>
public sealed record RenodeHostOptions
{
    /// <summary>The <c>renode</c> launcher: RENODE, else <c>renode</c> on PATH (null when neither exists).</summary>
    public string? RenodePath { get; init; } = Locate();

    /// <summary>Start the monitor with <c>--plain</c> (no colour codes; errors are then recognised by their texts).</summary>
    public bool Plain { get; init; }

    /// <summary>Renode takes ~1.4 s to accept monitor connections and ~2.5–3 s to boot a node (RENODE.md).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra arguments for Renode, after the harness's own.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The reason the renode backend cannot run here, or null when it can.</summary>
    public static string? Unavailable() => Locate() is null ? NotInstalled : null;

    public const string NotInstalled = "Renode not installed (set RENODE or put renode on PATH)";

    /// <summary>RENODE (the launcher's path), else the first <c>renode</c> on PATH.</summary>
    public static string? Locate()
    {
        string? configured = Environment.GetEnvironmentVariable("RENODE");
        if (!string.IsNullOrEmpty(configured)) return File.Exists(configured) ? Path.GetFullPath(configured) : null;
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (folder.Length == 0) continue;
            string candidate = Path.Combine(folder, "renode");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
