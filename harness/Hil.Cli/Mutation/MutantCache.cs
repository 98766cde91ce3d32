using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Hil.Cli.Mutation;

/// <summary>
/// Results of earlier runs, so a rerun only runs what could have changed. A result is reused when the firmware tree (and
/// build command) and the harness are the same and either the suite is the same, or the mutant was killed and the feature
/// file that killed it is unchanged: adding a scenario reruns only the survivors (and the timeouts).
/// </summary>
public sealed class MutantCache
{
    private readonly string? _path;
    private readonly Dictionary<string, Entry> _entries;
    private readonly Lock _lock = new();

    public sealed record Entry(string Id, MutantStatus Status, string? KilledBy, string? KilledByFile, string? KilledByFileHash, string? Detail,
        double Seconds, string Firmware, string Harness, string Suite);

    /// <summary>What the results depend on: hashes of the firmware tree with the build command, of the harness, and of the suite.</summary>
    public sealed record Inputs(string Firmware, string Harness, string Suite);

    private MutantCache(string? path, Dictionary<string, Entry> entries) => (_path, _entries) = (path, entries);

    public static MutantCache Load(string? path)
    {
        if (path is null || !File.Exists(path)) return new MutantCache(path, new Dictionary<string, Entry>(StringComparer.Ordinal));
        try
        {
            var entries = JsonSerializer.Deserialize<List<Entry>>(File.ReadAllText(path)) ?? [];
            return new MutantCache(path, entries.ToDictionary(e => e.Id, StringComparer.Ordinal));
        }
        catch (JsonException)
        {
            return new MutantCache(path, new Dictionary<string, Entry>(StringComparer.Ordinal)); // unreadable: start over
        }
    }

    public Entry? Reusable(Mutant mutant, Inputs inputs, string featuresRoot)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(mutant.Id, out Entry? e) || e.Firmware != inputs.Firmware || e.Harness != inputs.Harness) return null;
            if (e.Suite == inputs.Suite) return e;
            if (e.Status != MutantStatus.Killed || e.KilledByFile is null) return null;
            string file = Path.Combine(featuresRoot, e.KilledByFile);
            return File.Exists(file) && HashFile(file) == e.KilledByFileHash ? e : null;
        }
    }

    public void Record(MutantResult result, Inputs inputs, string featuresRoot)
    {
        if (_path is null) return;
        string? fileHash = result.KilledByFile is { } f && File.Exists(Path.Combine(featuresRoot, f)) ? HashFile(Path.Combine(featuresRoot, f)) : null;
        lock (_lock)
        {
            _entries[result.Mutant.Id] = new Entry(result.Mutant.Id, result.Status, result.KilledBy, result.KilledByFile, fileHash, result.Detail,
                result.Duration.TotalSeconds, inputs.Firmware, inputs.Harness, inputs.Suite);
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            string temporary = _path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(_entries.Values.OrderBy(e => e.Id, StringComparer.Ordinal)));
            File.Move(temporary, _path, overwrite: true);
        }
    }

    /// <summary>A hash over the files below <paramref name="root"/> (their relative paths and contents), plus <paramref name="extra"/>.</summary>
    public static string HashTree(string root, IEnumerable<string> files, string extra = "")
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(extra));
        foreach (string file in files.Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(root, file).Replace('\\', '/')));
            hash.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    public static string HashFile(string file) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)))[..16];
}
