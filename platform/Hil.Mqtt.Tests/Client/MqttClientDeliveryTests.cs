using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Hil.Mqtt.Tests.Support;

namespace Hil.Mqtt.Tests.Client;

/// <summary>QoS flows, the in-flight window, acknowledgement timing and reconnect with resend.</summary>
public sealed class MqttClientDeliveryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private ScriptedBroker _broker = null!;
    private MqttClient _client = null!;

    [SetUp]
    public void Create()
    {
        _broker = new ScriptedBroker();
        _client = new MqttClient();
    }

    [TearDown]
    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _broker.DisposeAsync();
    }

    private async Task<ScriptedConnection> ConnectAsync(Func<MqttClientOptionsBuilder, MqttClientOptionsBuilder>? configure = null)
    {
        var builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _broker.Port).WithClientId("unit").WithTimeout(Wait);
        Task<MqttClientConnectResult> connecting = _client.ConnectAsync((configure?.Invoke(builder) ?? builder).Build());
        var (connection, _) = await _broker.AcceptClientAsync();
        await connecting;
        return connection;
    }

    [Test]
    public async Task Qos1Publish_CompletesOnPubAck()
    {
        ScriptedConnection connection = await ConnectAsync();
        Task<MqttClientPublishResult> publishing = _client.PublishAsync(new MqttApplicationMessage("t", "x", MqttQos.AtLeastOnce));

        var publish = await connection.ReadAsync<PublishPacket>();
        Assert.That((publish.Qos, publish.Dup, publish.PacketId), Is.EqualTo((MqttQos.AtLeastOnce, false, publish.PacketId)));
        Assert.That(publishing.IsCompleted, Is.False);
        await connection.SendAsync(new PacketIdPacket(MqttPacketType.PubAck, publish.PacketId));

        MqttClientPublishResult result = await publishing.WaitAsync(Wait);
        Assert.That(result, Is.EqualTo(new MqttClientPublishResult(true, publish.PacketId)));
    }

    [Test]
    public async Task DeferredPubAcks_WaitForTheirTasks_LeaveInArrivalOrder_AndACancelledOneNeverLeaves()
    {
        ScriptedConnection connection = await ConnectAsync();
        var handled = new[] { "a", "b", "c", "d", "e" }.ToDictionary(t => t, _ => new TaskCompletionSource());
        var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int delivered = 0;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            e.AcknowledgeWhen(handled[e.ApplicationMessage.Topic].Task);
            if (Interlocked.Increment(ref delivered) == handled.Count) allDelivered.SetResult();
            return Task.CompletedTask;
        };
        ushort id = 0;
        foreach (string topic in handled.Keys)
            await connection.SendAsync(new PublishPacket(topic, "x"u8.ToArray(), MqttQos.AtLeastOnce, false, false, ++id));
        // None is handled yet, and the receive loop still delivered them all: waiting does not stop the reading.
        await allDelivered.Task.WaitAsync(Wait);

        // c and b are done before a: their PUBACKs still wait for a's, so they leave in arrival order.
        handled["c"].SetResult();
        handled["b"].SetResult();
        handled["a"].SetResult();
        foreach (ushort expected in new ushort[] { 1, 2, 3 })
            Assert.That(await connection.ReadAsync<PacketIdPacket>(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubAck, expected)));

        // d is given up (cancelled): never acknowledged, so the broker delivers it again; e behind it is not held up.
        handled["d"].SetCanceled();
        handled["e"].SetResult();
        Assert.That(await connection.ReadAsync<PacketIdPacket>(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubAck, 5)));
    }

    [Test]
    public async Task Qos2Publish_CompletesOnPubCompAfterPubRel()
    {
        ScriptedConnection connection = await ConnectAsync();
        Task<MqttClientPublishResult> publishing = _client.PublishAsync(new MqttApplicationMessage("t", "x", MqttQos.ExactlyOnce));

        var publish = await connection.ReadAsync<PublishPacket>();
        await connection.SendAsync(new PacketIdPacket(MqttPacketType.PubRec, publish.PacketId));
        Assert.That(await connection.ReadAsync<PacketIdPacket>(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubRel, publish.PacketId)));
        Assert.That(publishing.IsCompleted, Is.False);
        await connection.SendAsync(new PacketIdPacket(MqttPacketType.PubComp, publish.PacketId));

        Assert.That((await publishing.WaitAsync(Wait)).IsSuccess, Is.True);
    }

    [Test]
    public async Task InFlightWindow_AFullWindowHoldsTheNextPublishUntilAnAck()
    {
        ScriptedConnection connection = await ConnectAsync(b => b.WithMaxInFlight(2));
        Task<MqttClientPublishResult>[] publishing = Enumerable.Range(0, 3)
            .Select(i => _client.PublishAsync(new MqttApplicationMessage("t", $"m{i}", MqttQos.AtLeastOnce))).ToArray();
        var first = await connection.ReadAsync<PublishPacket>();
        await connection.ReadAsync<PublishPacket>();

        // A QoS 0 marker overtakes the held publish: proof that the third one was not written.
        await _client.PublishAsync(new MqttApplicationMessage("marker", "m"));
        Assert.That((await connection.ReadAsync<PublishPacket>()).Topic, Is.EqualTo("marker"));
        Assert.That(publishing.Count(p => p.IsCompleted), Is.Zero);

        await connection.SendAsync(new PacketIdPacket(MqttPacketType.PubAck, first.PacketId));
        var third = await connection.ReadAsync<PublishPacket>();
        Assert.That(third.Qos, Is.EqualTo(MqttQos.AtLeastOnce));
        await Task.WhenAny(publishing).WaitAsync(Wait);
    }

    [Test]
    public async Task IncomingQos1_IsAcknowledgedOnlyAfterTheHandlerCompletes()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _client.ApplicationMessageReceivedAsync += async _ =>
        {
            entered.TrySetResult();
            await release.Task;
        };
        ScriptedConnection connection = await ConnectAsync();

        await connection.SendAsync(new PublishPacket("t", "x"u8.ToArray(), MqttQos.AtLeastOnce, PacketId: 7));
        await entered.Task.WaitAsync(Wait);
        await _client.PublishAsync(new MqttApplicationMessage("marker", "m"));
        Assert.That((await connection.ReadAsync<PublishPacket>()).Topic, Is.EqualTo("marker"), "no PUBACK while the handler runs");

        release.SetResult();
        Assert.That(await connection.ReadAsync<PacketIdPacket>(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubAck, 7)));
    }

    [Test]
    public async Task IncomingQos2_IsDeliveredOnceEvenWhenResent()
    {
        var received = new MessageCollector(_client);
        ScriptedConnection connection = await ConnectAsync();

        await connection.SendAsync(new PublishPacket("t", "x"u8.ToArray(), MqttQos.ExactlyOnce, PacketId: 5));
        Assert.That(await connection.ReadAsync<PacketIdPacket>(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubRec, 5)));
        await connection.SendAsync(new PublishPacket("t", "x"u8.ToArray(), MqttQos.ExactlyOnce, Dup: true, PacketId: 5));
        Assert.That(await connection.ReadAsync<PacketIdPacket>(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubRec, 5)));
        await connection.SendAsync(new PacketIdPacket(MqttPacketType.PubRel, 5));
        Assert.That(await connection.ReadAsync<PacketIdPacket>(), Is.EqualTo(new PacketIdPacket(MqttPacketType.PubComp, 5)));

        Assert.That(received.Messages, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Subscribe_ReturnsTheGrantedCodes()
    {
        ScriptedConnection connection = await ConnectAsync();
        Task<MqttClientSubscribeResult> subscribing = _client.SubscribeAsync(
            [new TopicSubscription("a/+", MqttQos.AtLeastOnce), new TopicSubscription("b/#", MqttQos.AtMostOnce)]);

        var subscribe = await connection.ReadAsync<SubscribePacket>();
        Assert.That(subscribe.Subscriptions.Select(s => s.Filter), Is.EqualTo(new[] { "a/+", "b/#" }));
        await connection.SendAsync(new SubAckPacket(subscribe.PacketId, [1, SubAckPacket.Failure]));

        Assert.That((await subscribing.WaitAsync(Wait)).ReturnCodes, Is.EqualTo(new byte[] { 1, SubAckPacket.Failure }));
    }

    [Test]
    public async Task ConnectionLost_WithoutAutoReconnect_FailsThePendingPublish()
    {
        ScriptedConnection connection = await ConnectAsync();
        Task<MqttClientPublishResult> publishing = _client.PublishAsync(new MqttApplicationMessage("t", "x", MqttQos.AtLeastOnce));
        await connection.ReadAsync<PublishPacket>();

        connection.Close();

        var error = await Assert.ThrowsAsync<MqttCommunicationException>(() => publishing.WaitAsync(Wait));
        Assert.That(error!.Message, Does.Contain($"127.0.0.1:{_broker.Port}"));
        Assert.That(_client.IsConnected, Is.False);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AutoReconnect_ResendsUnackedWithDup_AndResubscribesOnlyWhenTheSessionWasLost(bool sessionPresent)
    {
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ScriptedConnection first = await ConnectAsync(b => b.WithCleanSession(false).WithAutoReconnect(TimeSpan.FromMilliseconds(5)));
        _client.ConnectedAsync += _ => { reconnected.TrySetResult(); return Task.CompletedTask; };
        Task<MqttClientSubscribeResult> subscribing = _client.SubscribeAsync("a/+", MqttQos.AtLeastOnce);
        var subscribe = await first.ReadAsync<SubscribePacket>();
        await first.SendAsync(new SubAckPacket(subscribe.PacketId, [1]));
        await subscribing;
        Task<MqttClientPublishResult> publishing = _client.PublishAsync(new MqttApplicationMessage("t", "x", MqttQos.AtLeastOnce));
        var original = await first.ReadAsync<PublishPacket>();

        first.Close();
        var (second, connect) = await _broker.AcceptClientAsync(sessionPresent);

        Assert.That(connect.CleanSession, Is.False);
        var resent = await second.ReadAsync<PublishPacket>();
        Assert.That((resent.Topic, resent.PacketId, resent.Qos, resent.Dup), Is.EqualTo((original.Topic, original.PacketId, original.Qos, true)));
        Assert.That(resent.Payload.ToArray(), Is.EqualTo(original.Payload.ToArray()));
        if (!sessionPresent)
        {
            var again = await second.ReadAsync<SubscribePacket>();
            Assert.That(again.Subscriptions, Is.EqualTo(new[] { new TopicSubscription("a/+", MqttQos.AtLeastOnce) }));
            await second.SendAsync(new SubAckPacket(again.PacketId, [1]));
        }
        await reconnected.Task.WaitAsync(Wait);
        await _client.PublishAsync(new MqttApplicationMessage("marker", "m"));
        Assert.That((await second.ReadAsync<PublishPacket>()).Topic, Is.EqualTo("marker"), "nothing else was sent");
        await second.SendAsync(new PacketIdPacket(MqttPacketType.PubAck, resent.PacketId));
        Assert.That((await publishing.WaitAsync(Wait)).IsSuccess, Is.True);
    }

    [Test]
    public async Task AutoReconnect_KeepsTryingUntilTheBrokerAcceptsAgain()
    {
        ScriptedConnection first = await ConnectAsync(b => b.WithAutoReconnect(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20)));
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _client.ConnectedAsync += _ => { reconnected.TrySetResult(); return Task.CompletedTask; };
        first.Close();

        // Two refusals, then acceptance: the client backs off and retries on its own.
        await _broker.AcceptClientAsync(code: ConnectReturnCode.ServerUnavailable);
        await _broker.AcceptClientAsync(code: ConnectReturnCode.ServerUnavailable);
        var (third, _) = await _broker.AcceptClientAsync();

        await reconnected.Task.WaitAsync(Wait);
        await _client.PublishAsync(new MqttApplicationMessage("t", "back"));
        Assert.That((await third.ReadAsync<PublishPacket>()).Topic, Is.EqualTo("t"));
        Assert.That(_client.IsConnected, Is.True);
    }
}
