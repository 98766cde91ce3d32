using Hil.Mqtt.Broker;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Broker;

/// <summary>A session belongs to the user name that created it: another identity can neither resume it nor take over its connection.</summary>
public sealed class BrokerSessionOwnerTests
{
    private static ConnectPacket Connect(string clientId, string user, bool clean = false) => new(clientId, clean, 0, Username: user, Password: [1]);

    [Test]
    public async Task Another_user_with_the_same_client_id_is_refused_and_the_owners_connection_stays()
    {
        var refused = new List<BrokerRefusal>();
        await using var fixture = await BrokerFixture.StartAsync(o => o with { Refused = r => { lock (refused) refused.Add(r); } });
        await using var owner = await RawMqttConnection.OpenAsync(fixture.Port);
        Assert.That((await owner.HandshakeAsync(Connect("node-1", "alice"))).ReturnCode, Is.EqualTo(ConnectReturnCode.Accepted));
        await owner.SubscribeAsync("x/#");

        await using var intruder = await RawMqttConnection.OpenAsync(fixture.Port);
        Assert.That((await intruder.HandshakeAsync(Connect("node-1", "mallory", clean: true))).ReturnCode, Is.EqualTo(ConnectReturnCode.NotAuthorized));
        await intruder.WaitClosedAsync();

        await owner.SendAsync(EmptyPacket.PingReq);
        Assert.That(await owner.ReceiveAsync(), Is.EqualTo(EmptyPacket.PingResp), "the owner was not taken over");
        Assert.That(refused.Single(), Is.EqualTo(new BrokerRefusal(BrokerRefusalKind.Connect, "node-1", "mallory",
            "CONNACK 5 (NotAuthorized): client id 'node-1' belongs to another identity's session", intruder.LocalEndPoint)));
    }

    [Test]
    public async Task Another_user_cannot_resume_an_offline_persistent_session_and_the_owner_still_can()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        await using (var owner = await RawMqttConnection.OpenAsync(fixture.Port))
        {
            await owner.HandshakeAsync(Connect("node-2", "alice"));
            await owner.SubscribeAsync("x/#");
        }
        await fixture.WaitForAsync(() => fixture.Broker.ConnectedClientIds.Count == 0, "the owner offline");
        await fixture.Broker.PublishAsync(new("x/1", "queued", MqttQos.AtLeastOnce));

        await using var intruder = await RawMqttConnection.OpenAsync(fixture.Port);
        ConnAckPacket refused = await intruder.HandshakeAsync(Connect("node-2", "mallory"));
        Assert.That((refused.ReturnCode, refused.SessionPresent), Is.EqualTo((ConnectReturnCode.NotAuthorized, false)));

        await using var back = await RawMqttConnection.OpenAsync(fixture.Port);
        ConnAckPacket resumed = await back.HandshakeAsync(Connect("node-2", "alice"));
        Assert.That((resumed.ReturnCode, resumed.SessionPresent), Is.EqualTo((ConnectReturnCode.Accepted, true)));
        Assert.That(System.Text.Encoding.UTF8.GetString((await back.ReceivePublishAsync()).Payload.Span), Is.EqualTo("queued"));
    }
}
