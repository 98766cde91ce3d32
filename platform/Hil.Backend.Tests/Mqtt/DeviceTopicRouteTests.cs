using Hil.Backend.Ingest;

namespace Hil.Backend.Tests.Mqtt;

public sealed class DeviceTopicRouteTests
{
    [TestCase("devices/a1b2c3d4e5f6/telemetry", "a1b2c3d4e5f6", "telemetry")]
    [TestCase("devices/a1b2c3d4e5f6/acks", "a1b2c3d4e5f6", "acks")]
    [TestCase("devices/a1b2c3d4e5f6/other", "a1b2c3d4e5f6", "other")]
    [TestCase("devices/a1b2c3d4e5f6/", "a1b2c3d4e5f6", "")]
    public void A_topic_of_the_contract_shape_gives_its_node_and_kind(string topic, string node, string kind) =>
        Assert.That(DeviceTopics.Route(topic), Is.EqualTo((node, kind)));

    [TestCase("devices/A1B2C3D4E5F6/telemetry")]
    [TestCase("devices/a1b2c3d4e5f/telemetry")]
    [TestCase("devices/a1b2c3d4e5f6/telemetry/x")]
    [TestCase("devices/a1b2c3d4e5f6")]
    [TestCase("device/a1b2c3d4e5f6/telemetry")]
    [TestCase("x/devices/a1b2c3d4e5f6/telemetry")]
    [TestCase("devices//telemetry")]
    public void Any_other_shape_is_not_routed(string topic) =>
        Assert.That(DeviceTopics.Route(topic), Is.Null);
}
