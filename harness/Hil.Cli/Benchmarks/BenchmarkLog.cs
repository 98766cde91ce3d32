using System.Text;
using System.Text.RegularExpressions;
using Hil.Harness.Support;

namespace Hil.Cli.Benchmarks;

/// <summary>
/// docs/benchmarks.md: one section per benchmark, replaced on each run, stamped with the machine
/// and the date so figures are never read without their context.
/// </summary>
internal static class BenchmarkLog
{
    public static string Record(string title, string method, string table)
    {
        string file = Path.Combine(RepositoryLayout.Root, "docs", "benchmarks.md");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        string existing = File.Exists(file)
            ? File.ReadAllText(file)
            : "# Benchmarks\n\nWritten by `./hil bench ...`; each section is replaced when its benchmark runs again.\n";
        var section = new StringBuilder()
            .AppendLine($"## {title}")
            .AppendLine()
            .AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Machine()}.")
            .AppendLine()
            .AppendLine(method)
            .AppendLine()
            .AppendLine(table)
            .ToString();
        var pattern = new Regex($@"^## {Regex.Escape(title)}\n.*?(?=^## |\z)", RegexOptions.Singleline | RegexOptions.Multiline);
        string updated = pattern.IsMatch(existing)
            ? pattern.Replace(existing, section + "\n", 1)
            : existing.TrimEnd() + "\n\n" + section;
        File.WriteAllText(file, updated.TrimEnd() + "\n");
        return file;
    }

    private static string Machine()
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException) { }
        string os = System.Runtime.InteropServices.RuntimeInformation.OSDescription;
        long memoryGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 30;
        return $"{Environment.ProcessorCount} × {cpu}, {memoryGiB} GiB, {os}, .NET {Environment.Version}";
    }
}
