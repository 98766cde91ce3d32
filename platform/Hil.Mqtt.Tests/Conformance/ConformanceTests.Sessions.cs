using System.Diagnostics;
using System.Net.Sockets;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Hil.Mqtt.Tests.Support;

namespace Hil.Mqtt.Tests.Conformance;

/// <summary>Last will, persistent sessions, client-id takeover and keep-alive.</summary>
public sealed partial class ConformanceTests
{
    [Test]
    public async Task Will_IsPublishedWhenTheClientDropsWithoutDisconnect()
    {
        var (observer, received) = await ConnectAsync("observer");
        await observer.SubscribeAsync(Topic("status"), MqttQos.AtLeastOnce);
        var (node, _) = await ConnectAsync("node", b => b.WithWill(Topic("status"), "offline", MqttQos.AtLeastOnce));

        node.Abort();

        MqttApplicationMessage will = await received.WaitForAsync(Topic("status"), Wait);
        Assert.That(will.PayloadText, Is.EqualTo("offline"));
    }

    [Test]
    public async Task Will_IsNotPublishedAfterDisconnect()
    {
        var (observer, received) = await ConnectAsync("observer");
        await observer.SubscribeAsync(Topic("status"), MqttQos.AtLeastOnce);
        var (node, _) = await ConnectAsync("node", b => b.WithWill(Topic("status"), "offline", MqttQos.AtLeastOnce));

        await node.DisconnectAsync();
        // Reusing the id proves the broker has finished with the old connection, then a sentinel
        // on the will topic proves absence: the will, had it been published, would come first.
        var (again, _) = await ConnectAsync("node");
        await again.PublishAsync(new MqttApplicationMessage(Topic("status"), "sentinel", MqttQos.AtLeastOnce));

        await received.WaitForAsync(Topic("status"), Wait);
        Assert.That(received.On(Topic("status")).Select(m => m.PayloadText), Is.EqualTo(new[] { "sentinel" }));
    }

    [Test]
    public async Task PersistentSession_QueuedQos1MessagesArriveOnReconnect()
    {
        MqttClientOptions subscriberOptions = Options("sub", b => b.WithCleanSession(false));
        var subscriber = new MqttClient();
        _clients.Add(subscriber);
        var received = new MessageCollector(subscriber);
        await subscriber.ConnectAsync(subscriberOptions);
        await subscriber.SubscribeAsync(Topic("queued"), MqttQos.AtLeastOnce);
        await subscriber.DisconnectAsync();

        var (publisher, _) = await ConnectAsync("pub");
        for (int i = 0; i < 5; i++)
            await publisher.PublishAsync(new MqttApplicationMessage(Topic("queued"), $"m{i}", MqttQos.AtLeastOnce));

        MqttClientConnectResult result = await subscriber.ConnectAsync(subscriberOptions);
        Assert.That(result.IsSessionPresent, Is.True);
        IReadOnlyList<MqttApplicationMessage> messages = await received.WaitForCountAsync(Topic("queued"), 5, Wait);
        Assert.That(messages.Select(m => m.PayloadText), Is.EqualTo(new[] { "m0", "m1", "m2", "m3", "m4" }));
        Assert.That(messages.All(m => m.Qos == MqttQos.AtLeastOnce), Is.True);

        await subscriber.DisconnectAsync();
        await subscriber.ConnectAsync(subscriberOptions with { CleanSession = true }); // leaves no session behind
    }

    [Test]
    public async Task ClientIdTakeover_TheSecondConnectionKicksTheFirst()
    {
        var first = new MqttClient();
        _clients.Add(first);
        var firstLost = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        first.DisconnectedAsync += e => { firstLost.TrySetResult(e); return Task.CompletedTask; };
        await first.ConnectAsync(Options("same"));

        var (second, received) = await ConnectAsync("same");

        MqttClientDisconnectedEventArgs lost = await firstLost.Task.WaitAsync(Wait);
        Assert.That(lost.ClientInitiated, Is.False);
        Assert.That(first.IsConnected, Is.False);
        await second.SubscribeAsync(Topic("alive"), MqttQos.AtLeastOnce);
        await second.PublishAsync(new MqttApplicationMessage(Topic("alive"), "yes", MqttQos.AtLeastOnce));
        Assert.That((await received.WaitForAsync(Topic("alive"), Wait)).PayloadText, Is.EqualTo("yes"));
        Assert.That(second.IsConnected, Is.True);
    }

    [Test]
    public async Task KeepAlive_ASilentClientIsDroppedAndItsWillPublished()
    {
        var (observer, received) = await ConnectAsync("observer");
        await observer.SubscribeAsync(Topic("status"), MqttQos.AtLeastOnce);

        // A raw socket, so nothing answers for the silent client: CONNECT with keep-alive 1 s, then silence.
        using var silent = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(_broker.Host, _broker.Port);
        await using var stream = new NetworkStream(silent);
        var connect = new ConnectPacket(ClientId("silent"), CleanSession: true, KeepAliveSeconds: 1,
            Will: new MqttWill(Topic("status"), "offline"u8.ToArray(), MqttQos.AtLeastOnce, false));
        await stream.WriteAsync(MqttCodec.Encode(connect));
        Assert.That(await new MqttPacketReader(stream).ReadAsync(), Is.EqualTo(new ConnAckPacket(false, ConnectReturnCode.Accepted)));
        var sinceConnAck = Stopwatch.StartNew();

        // MQTT-3.1.2-24 allows one and a half keep-alive periods. Mosquitto 2.0 sweeps keep-alives
        // only every few seconds (measured here: 4.4-5.4 s for a 1 s keep-alive); ours checks per client.
        TimeSpan latest = brokerName == BrokersUnderTest.Mosquitto ? TimeSpan.FromSeconds(8) : TimeSpan.FromSeconds(3);
        MqttApplicationMessage will = await received.WaitForAsync(Topic("status"), latest + TimeSpan.FromSeconds(1));

        Assert.That(will.PayloadText, Is.EqualTo("offline"));
        Assert.That(sinceConnAck.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)).And.LessThan(latest));
    }
}
