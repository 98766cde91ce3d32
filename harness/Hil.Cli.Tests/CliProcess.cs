using System.Diagnostics;

namespace Hil.Cli.Tests;

/// <summary>Runs the built `hil` command as a user would, capturing its output and exit code.</summary>
internal static class CliProcess
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static Task<Result> RunAsync(params string[] arguments) => RunAsync(TimeSpan.FromMinutes(2), arguments);

    /// <summary>Runs `hil` and waits at most <paramref name="limit"/> (then kills it and fails, with what it printed so far).</summary>
    public static async Task<Result> RunAsync(TimeSpan limit, params string[] arguments)
    {
        string hil = Path.Combine(AppContext.BaseDirectory, "hil");
        var info = new ProcessStartInfo(hil)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {hil}");
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"hil {string.Join(' ', arguments)} did not finish within {limit.TotalMinutes:0.#} min. It printed:\n{await output}\n{await error}");
        }
        return new Result(process.ExitCode, await output, await error);
    }
}
