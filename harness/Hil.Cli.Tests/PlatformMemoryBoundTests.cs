using System.Net.Sockets;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;

namespace Hil.Cli.Tests;

/// <summary>
/// One device cannot grow `hil platform up` without bound: a subscriber of its own topics that never reads its socket,
/// while another connection of the same device floods those topics with 1 GiB at QoS 1, costs the platform a bounded
/// amount of memory (the device bounds: README "Per-device limits").
/// </summary>
public sealed class PlatformMemoryBoundTests
{
    private const string Node = "00000000f10d";

    [Test]
    public async Task A_stuck_subscriber_under_a_flood_keeps_the_platforms_memory_bounded()
    {
        string data = Directory.CreateTempSubdirectory("hil-flood-").FullName;
        try
        {
            await using var platform = await PlatformProcess.StartAsync(data);
            using var stuck = await StuckSubscriberAsync(platform.MqttPort);
            long baseline = platform.ResidentBytes();

            long peak = baseline;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, platform.ResidentBytes());
                    try { await Task.Delay(50, sampling.Token); } catch (OperationCanceledException) { }
                }
            });
            await using (var flood = new MqttClient())
            {
                Assert.That((await flood.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", platform.MqttPort)
                    .WithClientId($"{Node}-flood").WithMaxInFlight(64).Build())).IsSuccess);
                byte[] payload = new byte[64 * 1024];
                var window = new List<Task>();
                for (int i = 0; i < 16_384; i++) // 1 GiB
                {
                    window.Add(flood.PublishAsync(new MqttApplicationMessage($"devices/{Node}/flood", payload, MqttQos.AtLeastOnce)));
                    if (window.Count >= 64)
                    {
                        await Task.WhenAll(window);
                        window.Clear();
                    }
                }
                await Task.WhenAll(window);
            }
            await sampling.CancelAsync();
            await sampler;

            TestContext.Out.WriteLine($"resident memory: {baseline >> 20} MiB before the flood, peak {peak >> 20} MiB during it");
            const long Bound = 400L * 1024 * 1024;
            Assert.That(peak - baseline, Is.LessThan(Bound),
                $"resident memory grew from {baseline >> 20} MiB to a peak of {peak >> 20} MiB while 1 GiB flooded a subscriber that reads nothing");
            // Dropped and counted, with one warning for the episode (the subscriber never drains, so it is one episode).
            Assert.That(platform.Output.Split('\n').Count(l => l.Contains($"session '{Node}': more than 1000 queued messages or 1048576 bytes; dropping the oldest")),
                Is.EqualTo(1), platform.Output);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Connects (persistent session), subscribes to the device's own topics at QoS 1, and never reads again.</summary>
    private static async Task<Socket> StuckSubscriberAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync("127.0.0.1", port);
        await socket.SendAsync(MqttCodec.Encode(new ConnectPacket(Node, false, 0)));
        await socket.SendAsync(MqttCodec.Encode(new SubscribePacket(1, [new TopicSubscription($"devices/{Node}/#", MqttQos.AtLeastOnce)])));
        // CONNACK and SUBACK: read once, so the subscription is known to be in place before the flood.
        var buffer = new byte[9];
        int got = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (got < buffer.Length) got += await socket.ReceiveAsync(buffer.AsMemory(got), timeout.Token);
        Assert.That((buffer[0], buffer[3], buffer[4]), Is.EqualTo(((byte)0x20, (byte)0, (byte)0x90)), "CONNACK accepted, then SUBACK");
        return socket;
    }
}
