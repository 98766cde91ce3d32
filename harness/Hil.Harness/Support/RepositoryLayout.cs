namespace Hil.Harness.Support;

/// <summary>Where the repository's build outputs live, found from the running assembly.</summary>
public static class RepositoryLayout
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder holding Harness.sln (override with HIL_ROOT).</summary>
    public static string Root => LazyRoot.Value;

    public static string BuildDirectory => Path.Combine(Root, "build");

    private static string FindRoot()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("HIL_ROOT");
        if (!string.IsNullOrEmpty(fromEnvironment)) return Path.GetFullPath(fromEnvironment);
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Harness.sln"))) return dir.FullName;
            }
        }
        throw new InvalidOperationException(
            "Cannot find the repository root (a folder with Harness.sln) above " + AppContext.BaseDirectory +
            "; set HIL_ROOT to it.");
    }
}
