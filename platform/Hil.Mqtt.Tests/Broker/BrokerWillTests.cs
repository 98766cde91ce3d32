using System.Text;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Broker;

public sealed class BrokerWillTests
{
    private static readonly MqttWill Will = new("status/dev", "offline"u8.ToArray(), MqttQos.AtLeastOnce, Retain: false);

    private static async Task<RawMqttConnection> WatchAsync(BrokerFixture fixture)
    {
        var watcher = await RawMqttConnection.ConnectAsync(fixture.Port, "watcher");
        await watcher.SubscribeAsync("status/#");
        return watcher;
    }

    [Test]
    public async Task WillIsPublishedOnAbruptClose()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var watcher = await WatchAsync(fixture);
        var device = await RawMqttConnection.ConnectAsync(fixture.Port, "dev", will: Will);
        device.Abort();
        PublishPacket will = await watcher.ReceivePublishAsync();
        Assert.That((will.Topic, Encoding.UTF8.GetString(will.Payload.Span)), Is.EqualTo(("status/dev", "offline")));
    }

    [Test]
    public async Task WillIsNotPublishedAfterDisconnect()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var watcher = await WatchAsync(fixture);
        await using var device = await RawMqttConnection.ConnectAsync(fixture.Port, "dev", will: Will);
        await device.SendAsync(EmptyPacket.Disconnect);
        await device.WaitClosedAsync();
        await fixture.WaitForLogAsync("client 'dev' closed: DISCONNECT");
        // The will would be routed before the close is logged, so it would precede this marker.
        await fixture.Broker.PublishAsync(new("status/marker", "m"));
        Assert.That((await watcher.ReceivePublishAsync()).Topic, Is.EqualTo("status/marker"));
    }

    [Test]
    public async Task KeepAliveExpiryPublishesTheWill()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var watcher = await WatchAsync(fixture);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var device = await RawMqttConnection.ConnectAsync(fixture.Port, "dev", keepAlive: 1, will: Will);
        await device.WaitClosedAsync(TimeSpan.FromSeconds(5));
        Assert.That((await watcher.ReceivePublishAsync()).Topic, Is.EqualTo("status/dev"));
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1.4)), "1.5 x keep-alive");
        await fixture.WaitForLogAsync("client 'dev' closed: keep-alive expired (no packet for 1.5 s)");
    }

    [Test]
    public async Task HarnessDisconnectActsAsANetworkFailure()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var watcher = await WatchAsync(fixture);
        await using var device = await RawMqttConnection.ConnectAsync(fixture.Port, "dev", will: Will);
        await fixture.Broker.DisconnectClientAsync("dev");
        await device.WaitClosedAsync();
        Assert.That((await watcher.ReceivePublishAsync()).Topic, Is.EqualTo("status/dev"));
        Assert.That(fixture.Broker.ConnectedClientIds, Is.EquivalentTo(new[] { "watcher" }));
    }

    [Test]
    public async Task ProtocolErrorPublishesTheWill()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using var watcher = await WatchAsync(fixture);
        await using var device = await RawMqttConnection.ConnectAsync(fixture.Port, "dev", will: Will);
        await device.SendBytesAsync([0x30, 0x03, 0x00, 0x01, (byte)'#']);
        await device.WaitClosedAsync();
        Assert.That((await watcher.ReceivePublishAsync()).Topic, Is.EqualTo("status/dev"));
        await fixture.WaitForLogAsync("client 'dev' closed: protocol error: a topic name must not contain wildcards: '#'");
    }
}
