using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Hil.Cli.Tests;

/// <summary>`hil platform up` as a child process on free loopback ports, with the addresses and admin token it prints; killable with SIGKILL.</summary>
internal sealed partial class PlatformProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private PlatformProcess(Process process) => _process = process;

    public int Pid => _process.Id;
    public int MqttPort { get; private set; }
    public Uri Http { get; private set; } = null!;
    public string AdminToken { get; private set; } = "";

    /// <summary>Starts it and waits (bounded) for the lines that say it serves.</summary>
    public static async Task<PlatformProcess> StartAsync(string data, params string[] extra)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "hil"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (string a in (string[])["platform", "up", "--data", data, "--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0", .. extra])
            info.ArgumentList.Add(a);
        var platform = new PlatformProcess(Process.Start(info)!);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        platform._process.OutputDataReceived += (_, e) => platform.Read(e.Data, ready);
        platform._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (platform._output) platform._output.Add(e.Data); };
        platform._process.BeginOutputReadLine();
        platform._process.BeginErrorReadLine();
        var exited = platform._process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))) != ready.Task)
        {
            string seen = platform.Output;
            await platform.DisposeAsync();
            Assert.Fail($"`hil platform up` did not start:\n{seen}");
        }
        return platform;
    }

    public string Output { get { lock (_output) return string.Join("\n", _output); } }

    /// <summary>Resident memory of the process now (Linux VmRSS), in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        throw new InvalidOperationException("no VmRSS line");
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the machine's OOM killer or a crash ends it.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    private void Read(string? line, TaskCompletionSource ready)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        if (BrokerLine().Match(line) is { Success: true } b) MqttPort = int.Parse(b.Groups[1].Value);
        if (BackendLine().Match(line) is { Success: true } h) Http = new Uri(h.Groups[1].Value);
        if (AdminLine().Match(line) is { Success: true } a)
        {
            AdminToken = a.Groups[1].Value;
            ready.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) await KillAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"^broker\s+mqtt://[^:]+:(\d+)")] private static partial Regex BrokerLine();
    [GeneratedRegex(@"^backend\s+(http://\S+)")] private static partial Regex BackendLine();
    [GeneratedRegex(@"^admin\s+Authorization: Bearer (\S+)")] private static partial Regex AdminLine();
}
