using Hil.Mqtt.Broker;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Hil.Mqtt.Tests.Support;

namespace Hil.Mqtt.Tests.Broker;

/// <summary>A persistent, auto-reconnecting subscriber rides out a broker restart without losing messages.</summary>
public sealed class BrokerRestartClientTests
{
    [Test]
    public async Task A_persistent_subscriber_gets_what_was_published_after_a_broker_restart()
    {
        await using var broker = new MqttBroker(new MqttBrokerOptions());
        await broker.StartAsync();
        await using var subscriber = new MqttClient();
        var collector = new MessageCollector(subscriber);
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("platform")
            .WithCleanSession(false).WithAutoReconnect(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200)).Build());
        await subscriber.SubscribeAsync("devices/+/telemetry", MqttQos.AtLeastOnce);

        await broker.StopAsync();
        await broker.StartAsync();
        await using var device = new MqttClient();
        await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("node").Build());
        for (int i = 1; i <= 5; i++)
            await device.PublishAsync(new MqttApplicationMessage("devices/n1/telemetry", $"{i}", MqttQos.AtLeastOnce));

        IReadOnlyList<MqttApplicationMessage> received = await collector.WaitForCountAsync("devices/n1/telemetry", 5, TimeSpan.FromSeconds(10));
        Assert.That(received.Select(m => m.PayloadText), Is.EqualTo(new[] { "1", "2", "3", "4", "5" }));
    }
}
