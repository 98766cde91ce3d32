using System.Threading.Channels;

namespace Hil.Mqtt.Client;

/// <summary>
/// The PUBACKs of one connection: sent in the order their PUBLISHes arrived (MQTT 3.1.1 §4.6), each once its
/// message is handled (at once, or when the task a handler deferred to completes), and as many as are ready
/// in one write. The receive loop only queues here, so it keeps reading (PINGRESP included) while messages
/// wait for their handling — how many is bounded by the broker's in-flight window.
/// </summary>
internal sealed class AckSender(MqttConnection connection)
{
    private const int MostPerWrite = 4096;
    private readonly Channel<(ushort PacketId, Task? Handled)> _queue =
        Channel.CreateUnbounded<(ushort, Task?)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public void Add(ushort packetId, Task? handled) => _queue.Writer.TryWrite((packetId, handled));

    public async Task RunAsync()
    {
        var ready = new List<ushort>(64);
        ChannelReader<(ushort PacketId, Task? Handled)> reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                ready.Clear();
                while (ready.Count < MostPerWrite && reader.TryPeek(out var next) && next.Handled is not { IsCompleted: false })
                {
                    reader.TryRead(out _);
                    // Cancelled: the handler gave up on it (shutting down), so the broker must deliver it again.
                    if (next.Handled is not { IsCanceled: true }) ready.Add(next.PacketId);
                }
                if (ready.Count > 0)
                    await connection.SendPubAcksAsync(ready).ConfigureAwait(false);
                else if (reader.TryPeek(out var head))
                    await Task.WhenAny(head.Handled!, connection.Ended).ConfigureAwait(false);
                if (connection.IsLost) return;
            }
        }
        catch (MqttCommunicationException e)
        {
            // Unacknowledged messages are redelivered by the broker on the next connection.
            await connection.LoseAsync($"cannot send PUBACK to {connection.Endpoint}", e).ConfigureAwait(false);
        }
    }

    public void Complete() => _queue.Writer.TryComplete();
}
