namespace Hil.Harness.Channels;

/// <summary>
/// A device model wired to a target's channel (the Wi-Fi modem on the link UART, say).
/// It sees every byte the firmware sends before the channel counts them as received, so
/// when the harness has seen N bytes, the devices have reacted to them.
/// </summary>
public interface IChannelDevice
{
    ValueTask OnReceivedAsync(TargetChannel channel, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}
