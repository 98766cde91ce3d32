using System.Net;
using System.Net.Sockets;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Hil.Mqtt.Tests.Support;

namespace Hil.Mqtt.Tests.Client;

/// <summary>Connecting, refusals, errors with evidence, guards, keep-alive, disconnect and abort.</summary>
public sealed class MqttClientConnectionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static MqttClientOptions Options(int port, Func<MqttClientOptionsBuilder, MqttClientOptionsBuilder>? configure = null)
    {
        var builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("unit").WithTimeout(Wait);
        return (configure?.Invoke(builder) ?? builder).Build();
    }

    [Test]
    public async Task Connect_SendsCleanSessionKeepAliveWillAndCredentials()
    {
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient();
        Task<MqttClientConnectResult> connecting = client.ConnectAsync(Options(broker.Port, b => b
            .WithCleanSession(false).WithKeepAlivePeriod(TimeSpan.FromSeconds(30)).WithCredentials("user", "secret")
            .WithWill("devices/x/status", "offline", MqttQos.AtLeastOnce, retain: true)));

        var (_, connect) = await broker.AcceptClientAsync(sessionPresent: true);
        MqttClientConnectResult result = await connecting;

        Assert.That(result, Is.EqualTo(new MqttClientConnectResult(ConnectReturnCode.Accepted, true)));
        Assert.That(client.IsConnected, Is.True);
        Assert.That(connect.ClientId, Is.EqualTo("unit"));
        Assert.That(connect.CleanSession, Is.False);
        Assert.That(connect.KeepAliveSeconds, Is.EqualTo(30));
        Assert.That(connect.Username, Is.EqualTo("user"));
        Assert.That(connect.Password, Is.EqualTo("secret"u8.ToArray()));
        Assert.That(connect.Will!.Topic, Is.EqualTo("devices/x/status"));
        Assert.That(connect.Will.Payload, Is.EqualTo("offline"u8.ToArray()));
        Assert.That((connect.Will.Qos, connect.Will.Retain), Is.EqualTo((MqttQos.AtLeastOnce, true)));
    }

    [Test]
    public async Task Connect_RefusedByTheBroker_IsAResultCodeNotAnException()
    {
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient();
        Task<MqttClientConnectResult> connecting = client.ConnectAsync(Options(broker.Port));
        await broker.AcceptClientAsync(code: ConnectReturnCode.NotAuthorized);

        MqttClientConnectResult result = await connecting;

        Assert.That(result.IsSuccess, Is.False);
        Assert.That(result.ResultCode, Is.EqualTo(ConnectReturnCode.NotAuthorized));
        Assert.That(client.IsConnected, Is.False);
    }

    [Test]
    public async Task Connect_NothingListening_ThrowsNamingHostPortAndCause()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        await using var client = new MqttClient();

        var error = await Assert.ThrowsAsync<MqttCommunicationException>(() => client.ConnectAsync(Options(port)));

        Assert.That(error!.Message, Does.Contain($"127.0.0.1:{port}").And.Contain("refused").IgnoreCase);
    }

    [Test]
    public async Task Connect_BrokerNeverAnswers_TimesOutNamingHostPortAndWhatWasAwaited()
    {
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.ConnectAsync(Options(broker.Port, b => b.WithTimeout(TimeSpan.FromMilliseconds(300)))));

        Assert.That(error!.Message, Does.Contain($"127.0.0.1:{broker.Port}").And.Contain("CONNACK"));
        Assert.That(client.IsConnected, Is.False);
    }

    [Test]
    public async Task Calls_BeforeConnect_ThrowInvalidOperationSayingSo()
    {
        await using var client = new MqttClient();

        var publish = await Assert.ThrowsAsync<InvalidOperationException>(() => client.PublishAsync(new MqttApplicationMessage("a", "b")));
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.SubscribeAsync("a/#"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.UnsubscribeAsync("a/#"));

        Assert.That(publish!.Message, Does.Contain("never been connected").And.Contain("ConnectAsync"));
    }

    [Test]
    public async Task Connect_Twice_ThrowsInvalidOperation()
    {
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient();
        Task<MqttClientConnectResult> connecting = client.ConnectAsync(Options(broker.Port));
        await broker.AcceptClientAsync();
        await connecting;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.ConnectAsync(Options(broker.Port)));
        Assert.That(error!.Message, Does.Contain("already connected"));
    }

    [Test]
    public async Task InvalidTopics_AreRejectedBeforeAnythingIsSent()
    {
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient();
        Task<MqttClientConnectResult> connecting = client.ConnectAsync(Options(broker.Port));
        await broker.AcceptClientAsync();
        await connecting;

        await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync(new MqttApplicationMessage("a/+", "x")));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync("a/#/b"));
    }

    [Test]
    public async Task KeepAlive_PingReqGoesOutOnlyAfterAFullIdlePeriod()
    {
        var time = new ManualTimeProvider();
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient();
        Task<MqttClientConnectResult> connecting = client.ConnectAsync(Options(broker.Port, b => b
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(10)).WithTimeProvider(time)));
        var (connection, _) = await broker.AcceptClientAsync();
        await connecting;

        time.Advance(TimeSpan.FromSeconds(9.9));
        await client.PublishAsync(new MqttApplicationMessage("marker", "1"));
        Assert.That(await connection.ReadAnyAsync(), Is.InstanceOf<PublishPacket>(), "nothing before the publish: 9.9 s is not idle enough");

        time.Advance(TimeSpan.FromSeconds(9.9)); // 9.9 s after the publish: still not idle long enough
        await client.PublishAsync(new MqttApplicationMessage("marker", "2"));
        Assert.That(await connection.ReadAnyAsync(), Is.InstanceOf<PublishPacket>());

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(await connection.ReadAnyAsync(), Is.EqualTo(EmptyPacket.PingReq));
    }

    [Test]
    public async Task KeepAlive_NoAnswerToPingReqWithinTheTimeout_LosesTheConnection()
    {
        var time = new ManualTimeProvider();
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient();
        var lost = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += e => { lost.TrySetResult(e); return Task.CompletedTask; };
        Task<MqttClientConnectResult> connecting = client.ConnectAsync(Options(broker.Port, b => b
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(10)).WithTimeout(TimeSpan.FromSeconds(5)).WithTimeProvider(time)));
        var (connection, _) = await broker.AcceptClientAsync();
        await connecting;

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(await connection.ReadAnyAsync(), Is.EqualTo(EmptyPacket.PingReq));
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.That(client.IsConnected, Is.True, "the timeout has not expired yet");
        time.Advance(TimeSpan.FromSeconds(0.1));

        MqttClientDisconnectedEventArgs e = await lost.Task.WaitAsync(Wait);
        Assert.That(e.Reason, Does.Contain("PINGREQ").And.Contain($"127.0.0.1:{broker.Port}"));
        Assert.That(e.ClientInitiated, Is.False);
        Assert.That(client.IsConnected, Is.False);
        Assert.That(await connection.ReadAnyAsync(), Is.Null, "the socket is closed");
    }

    [Test]
    public async Task Disconnect_SendsDisconnectThenCloses()
    {
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient();
        Task<MqttClientConnectResult> connecting = client.ConnectAsync(Options(broker.Port, b => b.WithAutoReconnect(TimeSpan.FromMilliseconds(1))));
        var (connection, _) = await broker.AcceptClientAsync();
        await connecting;

        await client.DisconnectAsync();

        Assert.That(await connection.ReadAnyAsync(), Is.EqualTo(EmptyPacket.Disconnect));
        Assert.That(await connection.ReadAnyAsync(), Is.Null);
        Assert.That(client.IsConnected, Is.False);
    }

    [Test]
    public async Task Abort_ClosesWithoutDisconnect_AndRaisesDisconnected()
    {
        await using var broker = new ScriptedBroker();
        await using var client = new MqttClient();
        var lost = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += e => { lost.TrySetResult(e); return Task.CompletedTask; };
        Task<MqttClientConnectResult> connecting = client.ConnectAsync(Options(broker.Port));
        var (connection, _) = await broker.AcceptClientAsync();
        await connecting;

        client.Abort();

        Assert.That(await connection.ReadAnyAsync(), Is.Null, "no DISCONNECT: the broker must publish the will");
        Assert.That((await lost.Task.WaitAsync(Wait)).ClientInitiated, Is.True);
    }

    [Test]
    public void ReconnectBackoff_DoublesUpToTheCeiling()
    {
        TimeSpan max = TimeSpan.FromSeconds(1);
        var delays = new List<TimeSpan> { TimeSpan.FromMilliseconds(250) };
        for (int i = 0; i < 4; i++) delays.Add(ReconnectBackoff.Next(delays[^1], max));
        Assert.That(delays.Select(d => d.TotalMilliseconds), Is.EqualTo(new double[] { 250, 500, 1000, 1000, 1000 }));
    }
}
