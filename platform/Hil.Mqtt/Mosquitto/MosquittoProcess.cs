using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Mosquitto;

public sealed record MosquittoOptions
{
    /// <summary>The broker binary; null finds it through HIL_MOSQUITTO, /usr/sbin/mosquitto or PATH.</summary>
    public string? ExecutablePath { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Extra lines appended to the generated configuration file.</summary>
    public IReadOnlyList<string> ExtraConfiguration { get; init; } = [];

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// A Mosquitto broker of our own: a free loopback port, a configuration file in a private temp
/// folder, readiness awaited by completing an MQTT CONNECT (never by sleeping), killed and cleaned
/// up on disposal. Shared by the conformance tests and `hil bench mqtt`.
/// </summary>
public sealed class MosquittoProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 100;
    private readonly Process _process;
    private readonly string _folder;
    private readonly Queue<string> _output = new();
    private int _disposed;

    private MosquittoProcess(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public string Host => "127.0.0.1";
    public int Port { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The binary to run, or null when Mosquitto is not installed.</summary>
    public static string? Locate(string? explicitPath = null)
    {
        string? candidate = explicitPath ?? Environment.GetEnvironmentVariable("HIL_MOSQUITTO");
        if (!string.IsNullOrEmpty(candidate)) return File.Exists(candidate) ? candidate : null;
        if (File.Exists("/usr/sbin/mosquitto")) return "/usr/sbin/mosquitto";
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "mosquitto")).FirstOrDefault(File.Exists);
    }

    public static async Task<MosquittoProcess> StartAsync(MosquittoOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MosquittoOptions();
        string executable = Locate(options.ExecutablePath)
            ?? throw new FileNotFoundException("Mosquitto is not installed (looked at HIL_MOSQUITTO, /usr/sbin/mosquitto and PATH); install the Debian package 'mosquitto'.");
        // A free port can be taken by someone else between probing and binding: try a few.
        for (int attempt = 1; ; attempt++)
        {
            MosquittoProcess broker = Launch(executable, FreeLoopbackPort(), options);
            try
            {
                await broker.WaitUntilReadyAsync(options.StartTimeout, options.TimeProvider, cancellationToken).ConfigureAwait(false);
                return broker;
            }
            catch (IOException) when (attempt < 3 && broker.HasExited && broker.OutputTail().Any(l => l.Contains("Address already in use", StringComparison.Ordinal)))
            {
                await broker.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await broker.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    private static MosquittoProcess Launch(string executable, int port, MosquittoOptions options)
    {
        string folder = Directory.CreateTempSubdirectory("hil-mosquitto-").FullName;
        string config = Path.Combine(folder, "mosquitto.conf");
        // As root, Mosquitto would drop to user 'mosquitto', which cannot read a private temp folder;
        // naming the current user keeps it as it is (the setting has no effect for other users).
        File.WriteAllLines(config,
        [
            $"listener {port} 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            $"user {Environment.UserName}",
            "max_connections -1",
            "connection_messages false",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            .. options.ExtraConfiguration,
        ]);
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(config);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var broker = new MosquittoProcess(process, folder, port);
        process.OutputDataReceived += (_, e) => broker.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => broker.Keep(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Directory.Delete(folder, recursive: true);
            throw new FileNotFoundException($"Cannot start '{executable}': {e.Message}", executable, e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return broker;
    }

    /// <summary>Ready means an MQTT CONNECT is answered with CONNACK, which a merely bound port does not prove.</summary>
    private async Task WaitUntilReadyAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        long start = time.GetTimestamp();
        string lastError = "nothing tried yet";
        while (true)
        {
            if (HasExited) throw new IOException($"Mosquitto exited before it was ready on {Host}:{Port}. {Evidence()}");
            try
            {
                if (await ProbeAsync(time, cancellationToken).ConfigureAwait(false)) return;
                lastError = "no CONNACK";
            }
            catch (Exception e) when (e is SocketException or IOException or MqttProtocolException)
            {
                lastError = e.Message;
            }
            if (time.GetElapsedTime(start) >= timeout)
                throw new TimeoutException($"Mosquitto did not answer CONNECT on {Host}:{Port} within {timeout.TotalSeconds:0.#} s (last: {lastError}). {Evidence()}");
            await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> ProbeAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2), time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        await socket.ConnectAsync(IPAddress.Loopback, Port, timeout.Token).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(MqttCodec.Encode(new ConnectPacket($"hil-probe-{Guid.NewGuid():N}", true, 0)), timeout.Token).ConfigureAwait(false);
        MqttPacket? answer = await new MqttPacketReader(stream).ReadAsync(timeout.Token).ConfigureAwait(false);
        if (answer is not ConnAckPacket) return false;
        await stream.WriteAsync(MqttCodec.Encode(EmptyPacket.Disconnect), timeout.Token).ConfigureAwait(false);
        return true;
    }

    public IReadOnlyList<string> OutputTail()
    {
        lock (_output) return _output.ToArray();
    }

    /// <summary>For error messages: the command, whether it runs, and its last output lines.</summary>
    public string Evidence()
    {
        string state = HasExited ? $"exited with code {_process.ExitCode}" : "running";
        IReadOnlyList<string> tail = OutputTail();
        string output = tail.Count == 0 ? "It printed nothing." : "Its last output:\n  | " + string.Join("\n  | ", tail.TakeLast(20));
        return $"Mosquitto ({_process.StartInfo.FileName} -c {Path.Combine(_folder, "mosquitto.conf")}, pid {_process.Id}) {state}. {output}";
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill: nothing left to stop.
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless; the broker is gone, which is what matters.
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > KeptOutputLines) _output.Dequeue();
        }
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
