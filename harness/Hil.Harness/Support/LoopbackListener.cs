using System.Net;
using System.Net.Sockets;

namespace Hil.Harness.Support;

/// <summary>
/// A listener on 127.0.0.1 with a port chosen by the kernel, so several targets run side by side
/// without port races: the harness listens first and the firmware or emulator connects to it.
/// </summary>
public sealed class LoopbackListener : IDisposable
{
    private readonly TcpListener _listener;

    public LoopbackListener()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(backlog: 4);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    public int Port { get; }

    /// <summary>
    /// Accepts one connection. Fails early with <paramref name="peer"/>'s evidence when it exits first,
    /// and after <paramref name="timeout"/> otherwise.
    /// </summary>
    public async Task<NetworkStream> AcceptAsync(string what, ManagedProcess peer, TimeSpan timeout,
        TimeProvider timeProvider, CancellationToken cancellationToken = default)
    {
        using WaitMeter.Scope waiting = WaitMeter.Waiting();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<Socket> accept = _listener.AcceptSocketAsync(cancel.Token).AsTask();
        Task finished = await Task.WhenAny(accept, peer.Exited, Task.Delay(timeout, timeProvider, cancellationToken)).ConfigureAwait(false);
        if (finished != accept)
        {
            cancel.Cancel();
            try { await accept.ConfigureAwait(false); } catch (OperationCanceledException) { }
            cancellationToken.ThrowIfCancellationRequested();
            string why = finished == peer.Exited ? "the process exited first" : $"nothing connected within {timeout.TotalSeconds:0.#} s";
            throw new TargetStartException($"The {what} connection to 127.0.0.1:{Port} never came: {why}. {peer.Evidence()}");
        }
        Socket socket = await accept.ConfigureAwait(false);
        socket.NoDelay = true; // every round trip would cost ~40 ms of Nagle otherwise
        return new NetworkStream(socket, ownsSocket: true);
    }

    public void Dispose() => _listener.Dispose();
}
