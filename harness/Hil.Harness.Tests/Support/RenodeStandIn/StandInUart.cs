using System.Net;
using System.Net.Sockets;
using Hil.Harness.Support;

namespace Hil.Harness.Tests.Support.RenodeStandIn;

/// <summary>
/// A server socket terminal of the stand-in: a raw TCP listener the harness connects to (as in
/// Renode, no telnet on it), relayed to the UART of the native node behind it. Bytes the harness
/// sends while no node runs (in reset) are lost, as on a real UART. While the emulation is paused
/// (virtual time between <c>emulation RunFor</c> calls) they wait, as in Renode, and reach the node
/// when time runs again (<see cref="ReleaseHeld"/>). A file backend gets every byte the node sends
/// before the stand-in counts it as forwarded, so it is complete when RunFor returns, as Renode's is.
/// </summary>
internal sealed class StandInUart : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly ChangeSignal _forwarded = new();
    private readonly object _gate = new();
    private readonly Task _acceptLoop;
    private NetworkStream? _harness;
    private NetworkStream? _node;
    private readonly List<byte> _held = new();
    private long _toNode;
    private long _fromNode;
    private FileStream? _fileBackend;
    private long _suppress;

    /// <param name="port">The server socket terminal's port; 0 for a UART no terminal is connected to.</param>
    public StandInUart(int port, string name)
    {
        Name = name;
        HasTerminal = port != 0;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public string Name { get; }

    /// <summary>Whether a server socket terminal is connected to it (a UART of the platform alone listens nowhere anyone knows).</summary>
    public bool HasTerminal { get; }

    /// <summary>Whether the emulation runs by itself (<c>start</c>); otherwise input waits for the next RunFor.</summary>
    public bool FreeRunning { get; set; }

    /// <summary>Whether bytes from the harness wait for time to run (RENODE.md: "nothing happens between RunFor calls").</summary>
    public bool HasHeldInput { get { lock (_gate) return _held.Count > 0; } }

    /// <summary><c>uart CreateFileBackend @path true</c>: every byte the UART sends, written as it is sent.</summary>
    public void CreateFileBackend(string path)
    {
        if (File.Exists(path)) throw new IOException($"File {path} already exists");
        lock (_gate) _fileBackend = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    /// <summary><c>WriteChar</c> / <c>WriteLine</c> from the monitor: straight into the UART, with the emulation paused.</summary>
    public async Task WriteFromMonitorAsync(byte[] bytes)
    {
        NetworkStream? node;
        lock (_gate)
        {
            node = _node;
            // Renode's UART takes bytes into its FIFO before the CPU has run; the stand-in's node starts at the next RunFor.
            if (node is null) _held.AddRange(bytes);
        }
        if (node is null) return;
        await node.WriteAsync(bytes);
        lock (_gate) if (_node == node) _toNode += bytes.Length;
    }

    /// <summary>Time runs: what the harness wrote to the terminal meanwhile goes to the node now.</summary>
    public Task ReleaseHeld()
    {
        byte[] held;
        lock (_gate)
        {
            held = _held.ToArray();
            _held.Clear();
        }
        return held.Length == 0 ? Task.CompletedTask : WriteFromMonitorAsync(held);
    }

    /// <summary>Bytes the node sent since it was attached (what a snapshot records of a UART).</summary>
    public long FromNode { get { lock (_gate) return _fromNode; } }

    /// <summary>A node restored from a snapshot re-runs up to it: its first <paramref name="count"/> bytes were sent before the snapshot.</summary>
    public void Suppress(long count)
    {
        lock (_gate) _suppress = count;
    }

    /// <summary>Bytes relayed to the node since it was attached (what it has to consume before time moves).</summary>
    public long ToNode { get { lock (_gate) return _toNode; } }

    /// <summary>Waits until <paramref name="count"/> bytes from the node have reached the harness.</summary>
    public async Task WaitForwardedAsync(long count)
    {
        if (!await _forwarded.WaitUntilAsync(() => { lock (_gate) return _fromNode >= count; }, TimeSpan.FromSeconds(10), TimeProvider.System))
            throw new TimeoutException($"stand-in terminal {Name}: the node's {count} bytes never arrived");
    }

    /// <summary>
    /// Waits (bounded) until the harness's connection has been accepted. Renode drops UART output
    /// while no client is connected; the harness connects before <c>start</c>, but under load the
    /// stand-in's accept could lag behind its monitor, so it waits rather than lose the banner.
    /// </summary>
    public Task<bool> WaitForHarnessAsync() =>
        _forwarded.WaitUntilAsync(() => { lock (_gate) return _harness is not null; }, TimeSpan.FromSeconds(5), TimeProvider.System);

    public void AttachNode(NetworkStream node)
    {
        lock (_gate)
        {
            _node = node;
            _toNode = 0;
            _fromNode = 0;
        }
        _ = Task.Run(() => PumpFromNodeAsync(node));
    }

    public async Task DetachNodeAsync()
    {
        NetworkStream? node;
        lock (_gate) (node, _node) = (_node, null);
        if (node is not null) await node.DisposeAsync();
    }

    /// <summary>A loaded snapshot has new terminals: the harness's connection is dropped and it connects again.</summary>
    public async Task DropHarnessAsync()
    {
        NetworkStream? harness;
        lock (_gate) (harness, _harness) = (_harness, null);
        if (harness is not null) await harness.DisposeAsync();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket socket = await _listener.AcceptSocketAsync();
                socket.NoDelay = true;
                var harness = new NetworkStream(socket, ownsSocket: true);
                await DropHarnessAsync();
                lock (_gate) _harness = harness;
                _forwarded.Notify();
                _ = Task.Run(() => PumpFromHarnessAsync(harness));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException) { }
    }

    private async Task PumpFromHarnessAsync(NetworkStream harness)
    {
        var buffer = new byte[4096];
        try
        {
            int count;
            while ((count = await harness.ReadAsync(buffer)) > 0)
            {
                NetworkStream? node;
                lock (_gate)
                {
                    node = _node;
                    if (node is not null && !FreeRunning)
                    {
                        _held.AddRange(buffer.AsSpan(0, count));
                        continue;
                    }
                }
                if (node is null) continue;
                await node.WriteAsync(buffer.AsMemory(0, count));
                lock (_gate) if (_node == node) _toNode += count;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
    }

    private async Task PumpFromNodeAsync(NetworkStream node)
    {
        var buffer = new byte[4096];
        try
        {
            int count;
            while ((count = await node.ReadAsync(buffer)) > 0)
            {
                NetworkStream? harness;
                FileStream? file;
                int skip;
                lock (_gate)
                {
                    (harness, file) = (_harness, _fileBackend);
                    skip = (int)Math.Min(_suppress, count);
                    _suppress -= skip;
                }
                if (file is not null && count > skip)
                {
                    file.Write(buffer, skip, count - skip);
                    file.Flush();
                }
                if (harness is not null && count > skip)
                {
                    try { await harness.WriteAsync(buffer.AsMemory(skip, count - skip)); }
                    catch (Exception e) when (e is IOException or ObjectDisposedException) { }
                }
                lock (_gate) if (_node == node) _fromNode += count;
                _forwarded.Notify();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _acceptLoop;
        await DetachNodeAsync();
        await DropHarnessAsync();
        FileStream? file;
        lock (_gate) (file, _fileBackend) = (_fileBackend, null);
        if (file is not null) await file.DisposeAsync();
    }
}
