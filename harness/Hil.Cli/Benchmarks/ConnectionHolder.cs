using System.Diagnostics;
using System.Text.Json;

namespace Hil.Cli.Benchmarks;

/// <summary>
/// Runs the connecting side of the connection test in a child `hil` process: a process may
/// hold only so many descriptors (RLIMIT_NOFILE), and an in-process broker would need a second
/// one per connection. The child reports one JSON line when its connections are up, holds them
/// while the parent counts them at the broker, and closes them when told on stdin.
/// </summary>
internal static class ConnectionHolder
{
    public const string CommandName = "mqtt-hold";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    public static async Task<ConnectionResult> RunChildAsync(string broker, int port, int count, Func<int>? countedByBroker,
        CancellationToken cancellationToken)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot locate the hil executable to start the connection holder");
        var info = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "bench", CommandName, "--broker", broker, "--port", port.ToString(), "--count", count.ToString() })
            info.ArgumentList.Add(argument);
        using var child = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {self}");
        Task<string> errors = child.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            string? line = await child.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(Deadline, cancellationToken);
            ConnectionResult result = (line is null ? null : JsonSerializer.Deserialize<ConnectionResult>(line))
                ?? throw new IOException($"the connection holder ended without a report (exit {(child.HasExited ? child.ExitCode : -1)}): {await errors}");
            result = result with { HeldByBroker = countedByBroker?.Invoke() };
            await child.StandardInput.WriteLineAsync("close");
            await child.StandardInput.FlushAsync(cancellationToken);
            await child.WaitForExitAsync(cancellationToken).WaitAsync(Deadline, cancellationToken);
            return result;
        }
        finally
        {
            if (!child.HasExited) child.Kill();
        }
    }

    /// <summary>The child's side: hold, report on stdout, wait for a line on stdin, close.</summary>
    public static async Task<int> RunHolderAsync(string broker, int port, int count, CancellationToken cancellationToken)
    {
        await MqttBenchmark.HoldAsync(broker, port, count,
            async result =>
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(result));
                await Console.Out.FlushAsync(cancellationToken);
            },
            async () => await Console.In.ReadLineAsync(cancellationToken),
            cancellationToken);
        return 0;
    }
}
