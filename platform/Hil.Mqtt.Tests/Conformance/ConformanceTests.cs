using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Hil.Mqtt.Tests.Support;

namespace Hil.Mqtt.Tests.Conformance;

/// <summary>
/// One suite of client-visible MQTT 3.1.1 behaviour, run against Mosquitto (the reference) and
/// our embedded broker: whatever passes on one and fails on the other is a bug in one of them.
/// Every test uses its own client ids and topics, so the broker is shared by the fixture.
/// </summary>
[TestFixture(BrokersUnderTest.Mosquitto)]
[TestFixture(BrokersUnderTest.Embedded)]
public sealed partial class ConformanceTests(string brokerName)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private IBrokerUnderTest _broker = null!;
    private readonly List<MqttClient> _clients = [];
    private string _prefix = "";

    [OneTimeSetUp]
    public async Task StartBrokerAsync()
    {
        _broker = BrokersUnderTest.Create(brokerName);
        await _broker.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopBrokerAsync() => await _broker.DisposeAsync();

    [SetUp]
    public void NameThisTest() => _prefix = $"hil-{brokerName}-{Guid.NewGuid():N}"[..24];

    [TearDown]
    public async Task DisposeClientsAsync()
    {
        foreach (MqttClient client in _clients) await client.DisposeAsync();
        _clients.Clear();
    }

    private string Topic(string suffix) => $"{_prefix}/{suffix}";
    private string ClientId(string name) => $"{_prefix}-{name}";

    private MqttClientOptions Options(string name, Func<MqttClientOptionsBuilder, MqttClientOptionsBuilder>? configure = null)
    {
        var builder = new MqttClientOptionsBuilder().WithTcpServer(_broker.Host, _broker.Port).WithClientId(ClientId(name)).WithTimeout(Wait);
        return (configure?.Invoke(builder) ?? builder).Build();
    }

    private async Task<(MqttClient Client, MessageCollector Received)> ConnectAsync(string name,
        Func<MqttClientOptionsBuilder, MqttClientOptionsBuilder>? configure = null)
    {
        var client = new MqttClient();
        _clients.Add(client);
        var received = new MessageCollector(client);
        MqttClientConnectResult result = await client.ConnectAsync(Options(name, configure));
        Assert.That(result.ResultCode, Is.EqualTo(ConnectReturnCode.Accepted), $"{brokerName} refused {name}");
        return (client, received);
    }

    [Test]
    public async Task Connect_CleanSession_IsAcceptedWithoutSessionPresent()
    {
        var client = new MqttClient();
        _clients.Add(client);
        MqttClientConnectResult result = await client.ConnectAsync(Options("clean"));
        Assert.That(result.IsSuccess, Is.True);
        Assert.That(result.IsSessionPresent, Is.False);
        Assert.That(client.IsConnected, Is.True);
        await client.DisconnectAsync();
        Assert.That(client.IsConnected, Is.False);
    }

    [Test]
    public async Task Connect_PersistentSession_IsPresentOnTheSecondConnection()
    {
        var client = new MqttClient();
        _clients.Add(client);
        MqttClientOptions options = Options("persistent", b => b.WithCleanSession(false));
        Assert.That((await client.ConnectAsync(options)).IsSessionPresent, Is.False);
        await client.DisconnectAsync();
        Assert.That((await client.ConnectAsync(options)).IsSessionPresent, Is.True);
        await client.DisconnectAsync();
        Assert.That((await client.ConnectAsync(options with { CleanSession = true })).IsSessionPresent, Is.False, "a clean session discards the old one");
    }

    [TestCase(MqttQos.AtMostOnce)]
    [TestCase(MqttQos.AtLeastOnce)]
    public async Task Publish_IsDeliveredToASubscriber(MqttQos qos)
    {
        var (subscriber, received) = await ConnectAsync("sub");
        MqttClientSubscribeResult granted = await subscriber.SubscribeAsync(Topic("data"), qos);
        Assert.That(granted.ReturnCodes, Is.EqualTo(new[] { (byte)qos }));
        var (publisher, _) = await ConnectAsync("pub");

        MqttClientPublishResult result = await publisher.PublishAsync(new MqttApplicationMessage(Topic("data"), "hello", qos));

        Assert.That(result.IsSuccess, Is.True);
        MqttApplicationMessage message = await received.WaitForAsync(Topic("data"), Wait);
        Assert.That(message.PayloadText, Is.EqualTo("hello"));
        Assert.That(message.Qos, Is.EqualTo(qos));
        Assert.That(message.Retain, Is.False);
    }

    [Test]
    public async Task Publish_Qos1Burst_ArrivesCompleteAndInOrder()
    {
        var (subscriber, received) = await ConnectAsync("sub");
        await subscriber.SubscribeAsync(Topic("burst"), MqttQos.AtLeastOnce);
        var (publisher, _) = await ConnectAsync("pub", b => b.WithMaxInFlight(8));

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            publisher.PublishAsync(new MqttApplicationMessage(Topic("burst"), i.ToString(), MqttQos.AtLeastOnce))));

        IReadOnlyList<MqttApplicationMessage> messages = await received.WaitForCountAsync(Topic("burst"), 200, Wait);
        Assert.That(messages.Select(m => int.Parse(m.PayloadText)).Distinct().Count(), Is.EqualTo(200));
    }

    [Test]
    public async Task Retained_IsSetReplacedAndCleared()
    {
        var (publisher, _) = await ConnectAsync("pub");
        string topic = Topic("status");
        await publisher.PublishAsync(new MqttApplicationMessage(topic, "first", MqttQos.AtLeastOnce, retain: true));
        Assert.That(await FirstMessageForNewSubscriberAsync("late1", topic), Is.EqualTo("first (retained)"));

        await publisher.PublishAsync(new MqttApplicationMessage(topic, "second", MqttQos.AtLeastOnce, retain: true));
        Assert.That(await FirstMessageForNewSubscriberAsync("late2", topic), Is.EqualTo("second (retained)"));

        await publisher.PublishAsync(new MqttApplicationMessage(topic, "", MqttQos.AtLeastOnce, retain: true));
        Assert.That(await FirstMessageForNewSubscriberAsync("late3", topic), Is.EqualTo("sentinel (live)"), "an empty retained payload clears the topic");
    }

    /// <summary>
    /// What a new subscriber receives first on <paramref name="topic"/>. A live sentinel published
    /// after the SUBACK proves absence without a fixed wait: a retained message would come before it.
    /// </summary>
    private async Task<string> FirstMessageForNewSubscriberAsync(string name, string topic)
    {
        var (subscriber, received) = await ConnectAsync(name);
        await subscriber.SubscribeAsync(topic, MqttQos.AtLeastOnce);
        await subscriber.PublishAsync(new MqttApplicationMessage(topic, "sentinel", MqttQos.AtLeastOnce));
        await received.WaitUntilAsync(ms => ms.Any(m => m.PayloadText == "sentinel"), "the sentinel", Wait);
        MqttApplicationMessage first = received.On(topic)[0];
        await subscriber.DisconnectAsync();
        return $"{first.PayloadText} ({(first.Retain ? "retained" : "live")})";
    }

    [Test]
    public async Task Wildcards_PlusMatchesOneLevel_HashMatchesTheRest()
    {
        var (subscriber, received) = await ConnectAsync("sub");
        await subscriber.SubscribeAsync([new TopicSubscription(Topic("+/telemetry"), MqttQos.AtLeastOnce)]);
        var (hashSubscriber, hashReceived) = await ConnectAsync("hash");
        await hashSubscriber.SubscribeAsync(Topic("a/#"), MqttQos.AtLeastOnce);
        var (publisher, _) = await ConnectAsync("pub");

        foreach (string suffix in new[] { "a/telemetry", "b/telemetry", "a/b/telemetry", "a/status", "a" })
            await publisher.PublishAsync(new MqttApplicationMessage(Topic(suffix), suffix, MqttQos.AtLeastOnce));
        // Messages of one publisher arrive in order: once the marker is in, every earlier match is too.
        await subscriber.SubscribeAsync(Topic("end2"), MqttQos.AtLeastOnce);
        await hashSubscriber.SubscribeAsync(Topic("end2"), MqttQos.AtLeastOnce);
        await publisher.PublishAsync(new MqttApplicationMessage(Topic("end2"), "end2", MqttQos.AtLeastOnce));
        await received.WaitForAsync(Topic("end2"), Wait);
        await hashReceived.WaitForAsync(Topic("end2"), Wait);

        Assert.That(received.Messages.Select(m => m.PayloadText), Is.EqualTo(new[] { "a/telemetry", "b/telemetry", "end2" }));
        Assert.That(hashReceived.Messages.Select(m => m.PayloadText), Is.EqualTo(new[] { "a/telemetry", "a/b/telemetry", "a/status", "a", "end2" }),
            "'a/#' matches 'a' itself and every level below it");
    }

    [Test]
    public async Task Unsubscribe_StopsDelivery()
    {
        var (subscriber, received) = await ConnectAsync("sub");
        await subscriber.SubscribeAsync(Topic("x"), MqttQos.AtLeastOnce);
        await subscriber.SubscribeAsync(Topic("marker"), MqttQos.AtLeastOnce);
        await subscriber.UnsubscribeAsync(Topic("x"));
        var (publisher, _) = await ConnectAsync("pub");

        await publisher.PublishAsync(new MqttApplicationMessage(Topic("x"), "dropped", MqttQos.AtLeastOnce));
        await publisher.PublishAsync(new MqttApplicationMessage(Topic("marker"), "marker", MqttQos.AtLeastOnce));

        await received.WaitForAsync(Topic("marker"), Wait);
        Assert.That(received.On(Topic("x")), Is.Empty);
    }
}
