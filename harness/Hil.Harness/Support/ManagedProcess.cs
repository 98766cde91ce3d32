using System.Diagnostics;

namespace Hil.Harness.Support;

/// <summary>
/// A child process (firmware, emulator) whose output is kept as evidence and which is always
/// reaped: stopping waits for exit and kills after a grace period.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 200;
    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly object _gate = new();

    private ManagedProcess(Process process, string description)
    {
        _process = process;
        Description = description;
    }

    public string Description { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;
    public Task Exited { get; private set; } = Task.CompletedTask;

    /// <summary>The last lines the process wrote on stdout and stderr.</summary>
    public IReadOnlyList<string> OutputTail()
    {
        lock (_gate) return _output.ToArray();
    }

    public static ManagedProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        string description = fileName + " " + string.Join(' ', info.ArgumentList);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var managed = new ManagedProcess(process, description);
        process.OutputDataReceived += (_, e) => managed.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => managed.Keep(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FileNotFoundException($"Cannot start '{fileName}': {e.Message}", fileName, e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        managed.Exited = process.WaitForExitAsync();
        return managed;
    }

    /// <summary>A one-paragraph account for error messages: command, exit code, output tail.</summary>
    public string Evidence()
    {
        string state = HasExited ? $"exited with code {ExitCode}" : "still running";
        IReadOnlyList<string> tail = OutputTail();
        string output = tail.Count == 0 ? " It printed nothing." : " Its last output:\n  | " + string.Join("\n  | ", tail.TakeLast(20));
        return $"Process `{Description}` {state}.{output}";
    }

    /// <summary>Waits up to <paramref name="grace"/> for the process to exit by itself, then kills it.</summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        using WaitMeter.Scope waiting = WaitMeter.Waiting();
        if (!HasExited)
        {
            try
            {
                await Exited.WaitAsync(grace, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Kill();
            }
        }
        await Exited.ConfigureAwait(false);
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { } // exited meanwhile
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            _output.Enqueue(line);
            while (_output.Count > KeptOutputLines) _output.Dequeue();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Exited.ConfigureAwait(false);
        _process.Dispose();
    }
}
