using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Hil.Harness.Support;

namespace Hil.Harness.Firmware;

/// <summary>A firmware build variant: the board and the versions baked in with -DFW_VERSION / -DPROTOCOL_VERSION.</summary>
public sealed record FirmwareVariant(string Board, string FirmwareVersion, int ProtocolVersion)
{
    public const string DefaultFirmwareVersion = "3.0.0";
    public const int DefaultProtocolVersion = 3;

    public bool IsDefault => FirmwareVersion == DefaultFirmwareVersion && ProtocolVersion == DefaultProtocolVersion;

    /// <summary>The build folder name: "native-p1-1.4.2".</summary>
    public string DirectoryName => $"{Board}-p{ProtocolVersion}-{FirmwareVersion}";
}

/// <summary>
/// Builds variants of the reference node on demand into build/firmware/&lt;board&gt;-p&lt;protocol&gt;-&lt;version&gt;,
/// once per process (CMake keeps later builds incremental). The default variant is the image
/// `./hil build` made. A lock file keeps concurrent test runs from building the same folder at once.
/// HIL_FIRMWARE_SOURCE and HIL_FIRMWARE_BUILD move the source tree and the variants' build folder (`hil mutate` points
/// them at a mutant's copy, so the variants a scenario asks for carry the mutation too).
/// </summary>
public static class FirmwareBuilder
{
    private static string SourceDirectory =>
        Environment.GetEnvironmentVariable("HIL_FIRMWARE_SOURCE") is { Length: > 0 } source ? source : Path.Combine(RepositoryLayout.Root, "firmware");

    private static string VariantsDirectory =>
        Environment.GetEnvironmentVariable("HIL_FIRMWARE_BUILD") is { Length: > 0 } build ? build : Path.Combine(RepositoryLayout.BuildDirectory, "firmware");

    private static readonly Regex VersionPattern = new(@"^\d+\.\d+\.\d+$", RegexOptions.CultureInvariant);
    private static readonly ConcurrentDictionary<FirmwareVariant, Lazy<Task<string>>> Built = new();

    /// <summary>The image for the variant, building it first if needed: a host executable (native) or an ELF (stm32f4).</summary>
    public static Task<string> EnsureAsync(FirmwareVariant variant, CancellationToken cancellationToken = default)
    {
        if (variant.Board is not ("native" or "stm32f4"))
            throw new ArgumentException($"Unknown firmware board '{variant.Board}' (known: native, stm32f4).", nameof(variant));
        if (!VersionPattern.IsMatch(variant.FirmwareVersion))
            throw new ArgumentException($"Firmware version '{variant.FirmwareVersion}' is not MAJOR.MINOR.PATCH.", nameof(variant));
        if (variant.ProtocolVersion is < 1 or > 3)
            throw new ArgumentException($"The reference node speaks protocol v1, v2 or v3, not v{variant.ProtocolVersion}.", nameof(variant));
        if (variant.IsDefault)
            return Task.FromResult(FirmwareImages.RequireFile(
                variant.Board == "native" ? FirmwareImages.NativeExecutable : FirmwareImages.Stm32Elf, $"{variant.Board} firmware image"));
        return Built.GetOrAdd(variant, v => new Lazy<Task<string>>(() => BuildAsync(v, cancellationToken))).Value;
    }

    private static async Task<string> BuildAsync(FirmwareVariant variant, CancellationToken cancellationToken)
    {
        string source = SourceDirectory;
        string directory = Path.Combine(VariantsDirectory, variant.DirectoryName);
        Directory.CreateDirectory(directory);
        await using FileStream _ = await LockAsync(Path.Combine(directory, ".build-lock"), cancellationToken);
        var configure = new List<string>
        {
            "-S", source, "-B", directory, $"-DHIL_BOARD={variant.Board}", "-DCMAKE_BUILD_TYPE=Release",
            $"-DFW_VERSION={variant.FirmwareVersion}", $"-DPROTOCOL_VERSION={variant.ProtocolVersion}", $"-DBUILD_ID={variant.DirectoryName}",
        };
        if (variant.Board == "stm32f4") configure.Add($"-DCMAKE_TOOLCHAIN_FILE={Path.Combine(source, "cmake", "arm-none-eabi.cmake")}");
        // A warning is an error in the firmware's own builds; a mutant's build may warn (an unused variable left behind) and still be a program.
        if (Environment.GetEnvironmentVariable("HIL_FIRMWARE_WERROR") == "OFF") configure.Add("-DHIL_WERROR=OFF");
        string image = Path.Combine(directory, variant.Board == "native" ? "hive-node" : "hive-node.elf");
        if (!File.Exists(Path.Combine(directory, "CMakeCache.txt"))) await CMakeAsync(variant, configure, cancellationToken);
        else if (IsNewerThanSources(image, source)) return image;
        await CMakeAsync(variant, ["--build", directory, "--target", "hive-node", "-j2"], cancellationToken);
        return FirmwareImages.RequireFile(image, $"{variant.DirectoryName} firmware image");
    }

    // CMake's own up-to-date check costs a second on a loaded machine, once per variant per run; an image
    // newer than every source and build file of the firmware tree is what that check would keep.
    private static bool IsNewerThanSources(string image, string firmwareDirectory)
    {
        if (!File.Exists(image)) return false;
        DateTime built = File.GetLastWriteTimeUtc(image);
        string tests = Path.Combine(firmwareDirectory, "tests") + Path.DirectorySeparatorChar; // not part of the image
        return Directory.EnumerateFiles(firmwareDirectory, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(tests, StringComparison.Ordinal))
            .Where(f => Path.GetExtension(f) is ".c" or ".h" or ".cmake" or ".ld" || Path.GetFileName(f) == "CMakeLists.txt")
            .All(f => File.GetLastWriteTimeUtc(f) < built);
    }

    private static async Task CMakeAsync(FirmwareVariant variant, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("cmake") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        using Process process = Process.Start(info) ?? throw new InvalidOperationException("Cannot start cmake.");
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            string[] lines = ((await output) + (await error)).Split('\n');
            throw new InvalidOperationException(
                $"Building firmware {variant.DirectoryName} failed (cmake {string.Join(' ', info.ArgumentList)} exited {process.ExitCode}):\n  | " +
                string.Join("\n  | ", lines.Skip(Math.Max(0, lines.Length - 15))));
        }
    }

    // Another process building the same variant holds the lock; retry until it finishes.
    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
            }
        }
    }
}
