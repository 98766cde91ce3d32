using System.Net;
using System.Net.Sockets;

namespace Hil.Harness.Tests.Support;

/// <summary>Two connected loopback TCP streams: one plays the firmware's side of a UART.</summary>
public sealed class LoopbackPair : IAsyncDisposable
{
    private LoopbackPair(NetworkStream harnessSide, NetworkStream firmwareSide)
    {
        HarnessSide = harnessSide;
        FirmwareSide = firmwareSide;
    }

    public NetworkStream HarnessSide { get; }
    public NetworkStream FirmwareSide { get; }

    public static async Task<LoopbackPair> ConnectAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient { NoDelay = true };
        Task connect = client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        Socket accepted = await listener.AcceptSocketAsync();
        await connect;
        return new LoopbackPair(new NetworkStream(accepted, ownsSocket: true), client.GetStream());
    }

    public async Task FirmwareWritesAsync(string text)
    {
        await FirmwareSide.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text));
        await FirmwareSide.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await HarnessSide.DisposeAsync();
        await FirmwareSide.DisposeAsync();
    }
}
