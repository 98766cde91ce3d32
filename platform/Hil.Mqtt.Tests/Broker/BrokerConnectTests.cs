using Hil.Mqtt.Broker;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Broker;

public sealed class BrokerConnectTests
{
    [Test]
    public async Task ConnectIsAcceptedWithoutSessionPresent()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var client = await RawMqttConnection.OpenAsync(fixture.Port);
        ConnAckPacket ack = await client.HandshakeAsync(new ConnectPacket("c1", CleanSession: true, KeepAliveSeconds: 30));
        Assert.That(ack, Is.EqualTo(new ConnAckPacket(false, ConnectReturnCode.Accepted)));
        Assert.That(fixture.Broker.ConnectedClientIds, Is.EquivalentTo(new[] { "c1" }));
    }

    [Test]
    public async Task ProtocolLevelOtherThanFourIsRefusedWithCode1AndClosed()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var client = await RawMqttConnection.OpenAsync(fixture.Port);
        ConnAckPacket ack = await client.HandshakeAsync(new ConnectPacket("old", true, 0, ProtocolLevel: 3));
        Assert.That(ack.ReturnCode, Is.EqualTo(ConnectReturnCode.UnacceptableProtocolVersion));
        await client.WaitClosedAsync();
        await fixture.WaitForLogAsync("client 'old' closed: refused with CONNACK 1");
    }

    [Test]
    public async Task EmptyClientIdWithPersistentSessionIsRefusedWithCode2()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var client = await RawMqttConnection.OpenAsync(fixture.Port);
        ConnAckPacket ack = await client.HandshakeAsync(new ConnectPacket("", CleanSession: false, 0));
        Assert.That(ack.ReturnCode, Is.EqualTo(ConnectReturnCode.IdentifierRejected));
        await client.WaitClosedAsync();
    }

    [Test]
    public async Task EmptyClientIdWithCleanSessionIsAssignedOne()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var client = await RawMqttConnection.ConnectAsync(fixture.Port, "");
        Assert.That(fixture.Broker.ConnectedClientIds.Single(), Does.StartWith("auto-"));
    }

    [TestCase(ConnectReturnCode.BadUsernameOrPassword)]
    [TestCase(ConnectReturnCode.NotAuthorized)]
    public async Task AuthenticationHookRefusalIsTheConnAckCode(ConnectReturnCode code)
    {
        await using var fixture = await BrokerFixture.StartAsync(o => o with
        {
            Authenticate = c => ValueTask.FromResult<ConnectDecision>(c.Username == "good" && c.Password is [0x70] ? ConnectReturnCode.Accepted : code),
        });
        await using var refused = await RawMqttConnection.OpenAsync(fixture.Port);
        ConnAckPacket ack = await refused.HandshakeAsync(new ConnectPacket("x", true, 0, Username: "bad", Password: [0x70]));
        Assert.That(ack.ReturnCode, Is.EqualTo(code));
        await refused.WaitClosedAsync();

        await using var accepted = await RawMqttConnection.OpenAsync(fixture.Port);
        ack = await accepted.HandshakeAsync(new ConnectPacket("y", true, 0, Username: "good", Password: [0x70]));
        Assert.That(ack.ReturnCode, Is.EqualTo(ConnectReturnCode.Accepted));
    }

    [Test]
    public async Task FirstPacketOtherThanConnectClosesWithReason()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var client = await RawMqttConnection.OpenAsync(fixture.Port);
        await client.SendAsync(EmptyPacket.PingReq);
        await client.WaitClosedAsync();
        await fixture.WaitForLogAsync($"connection {client.LocalEndPoint} client '?' closed: protocol error: the first packet was PingReq, not CONNECT");
    }

    [Test]
    public async Task SecondConnectClosesTheConnection()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var client = await RawMqttConnection.ConnectAsync(fixture.Port, "twice");
        await client.SendAsync(new ConnectPacket("twice", true, 0));
        await client.WaitClosedAsync();
        await fixture.WaitForLogAsync("client 'twice' closed: protocol error: a second CONNECT");
    }

    [Test]
    public async Task MalformedPacketClosesOnlyThatConnection()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var good = await RawMqttConnection.ConnectAsync(fixture.Port, "good");
        await using var bad = await RawMqttConnection.ConnectAsync(fixture.Port, "bad");
        await bad.SendBytesAsync([0x82, 0x80, 0x80, 0x80, 0x80, 0x01]);
        await bad.WaitClosedAsync();
        await fixture.WaitForLogAsync("client 'bad' closed: protocol error: malformed remaining length (more than four bytes)");
        await good.SendAsync(EmptyPacket.PingReq);
        Assert.That(await good.ReceiveAsync(), Is.EqualTo(EmptyPacket.PingResp));
    }

    [Test]
    public async Task PacketOverTheMaximumSizeClosesTheConnection()
    {
        await using var fixture = await BrokerFixture.StartAsync(o => o with { Limits = new BrokerClientLimits { MaxPacketSize = 1024 } });
        await using var client = await RawMqttConnection.ConnectAsync(fixture.Port, "big");
        await client.PublishAsync("t", new string('x', 2000));
        await client.WaitClosedAsync();
        await fixture.WaitForLogAsync("client 'big' closed: protocol error: packet of 2006 bytes exceeds the maximum of 1024");
    }

    [Test]
    public async Task SecondConnectionWithTheSameIdTakesOverWithoutTheWill()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var watcher = await RawMqttConnection.ConnectAsync(fixture.Port, "watcher");
        await watcher.SubscribeAsync("wills/#");
        await using var first = await RawMqttConnection.ConnectAsync(fixture.Port, "dup", will: new MqttWill("wills/dup", [1], MqttQos.AtMostOnce, false));
        await using var second = await RawMqttConnection.ConnectAsync(fixture.Port, "dup");
        await first.WaitClosedAsync();
        await fixture.WaitForLogAsync("client 'dup' closed: taken over by a new connection");
        Assert.That(fixture.Broker.ConnectedClientIds, Is.EquivalentTo(new[] { "watcher", "dup" }));

        // Had the will been published it would arrive before this marker.
        await fixture.Broker.PublishAsync(new("wills/marker", "m"));
        Assert.That((await watcher.ReceivePublishAsync()).Topic, Is.EqualTo("wills/marker"));
    }

    [Test]
    public async Task PingReqIsAnsweredWithPingResp()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var client = await RawMqttConnection.ConnectAsync(fixture.Port, "pinger", keepAlive: 30);
        await client.SendAsync(EmptyPacket.PingReq);
        Assert.That(await client.ReceiveAsync(), Is.EqualTo(EmptyPacket.PingResp));
    }
}
