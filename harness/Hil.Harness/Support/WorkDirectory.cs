namespace Hil.Harness.Support;

/// <summary>A target's folder for its files: the one given, or a fresh temporary one removed on disposal.</summary>
public sealed class WorkDirectory : IDisposable
{
    private readonly bool _owned;

    public WorkDirectory(string? given, string targetName)
    {
        if (given is not null)
        {
            Path = System.IO.Path.GetFullPath(given);
        }
        else
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hil", $"{targetName}-{Guid.NewGuid():N}"[..24]);
            _owned = true;
        }
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (!_owned) return;
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
