using System.Diagnostics;

namespace Hil.Cli.Tests;

/// <summary>Headless Chromium (Debian package chromium, installed by ci/install-prereqs.sh): a page's DOM after load, or a screenshot.</summary>
internal static class Chromium
{
    /// <summary>The chromium on PATH, or null.</summary>
    public static string? Executable { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .SelectMany(dir => new[] { Path.Combine(dir, "chromium"), Path.Combine(dir, "chromium-browser") })
        .FirstOrDefault(File.Exists);

    public static string SkipReason => "chromium is not installed (Debian package chromium; ./hil prereqs installs it)";

    /// <summary>The DOM of <paramref name="file"/> as Chromium serialises it once the page has loaded (scripts run, layout done).</summary>
    public static async Task<string> DumpDomAsync(string file) => await RunAsync("--dump-dom", new Uri(Path.GetFullPath(file)).AbsoluteUri);

    public static async Task ScreenshotAsync(string file, string png, int width, int height) =>
        await RunAsync($"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars", new Uri(Path.GetFullPath(file)).AbsoluteUri);

    private static async Task<string> RunAsync(params string[] arguments)
    {
        string executable = Executable ?? throw new InvalidOperationException(SkipReason);
        // Its own profile: tests running at once must not share Chromium's profile lock.
        string profile = Directory.CreateTempSubdirectory("hil-chromium-").FullName;
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // As root Chromium needs --no-sandbox; there is no GPU in CI.
        foreach (string argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={profile}" }.Concat(arguments))
            info.ArgumentList.Add(argument);
        try
        {
            using Process process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {executable}");
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish within 2 minutes: {string.Join(' ', arguments)}");
            }
            if (process.ExitCode != 0) throw new InvalidOperationException($"chromium exited with {process.ExitCode}: {await error}");
            return await output;
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); }
            catch (IOException) { /* a helper process may still be closing its files; the temp folder is the OS's to clean */ }
        }
    }
}
