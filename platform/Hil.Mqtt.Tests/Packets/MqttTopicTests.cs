using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Packets;

public sealed class MqttTopicTests
{
    [TestCase("a/b", "a/b", true)]
    [TestCase("a/b", "a/c", false)]
    [TestCase("a/+", "a/b", true)]
    [TestCase("a/+", "a/b/c", false)]
    [TestCase("a/+", "a", false)]
    [TestCase("a/+", "a/", true)]
    [TestCase("+/b", "a/b", true)]
    [TestCase("+/b", "/b", true)]
    [TestCase("+/+", "a/b", true)]
    [TestCase("+", "a", true)]
    [TestCase("+", "a/b", false)]
    [TestCase("a/#", "a", true)]
    [TestCase("a/#", "a/b/c", true)]
    [TestCase("a/#", "ab", false)]
    [TestCase("#", "a/b", true)]
    [TestCase("#", "/", true)]
    [TestCase("+/#", "a", true)]
    [TestCase("a/+/c", "a/b/c", true)]
    [TestCase("a/+/c", "a/b/d", false)]
    [TestCase("#", "$SYS/uptime", false)]
    [TestCase("+/uptime", "$SYS/uptime", false)]
    [TestCase("$SYS/#", "$SYS/uptime", true)]
    [TestCase("$SYS/+", "$SYS/uptime", true)]
    [TestCase("a/b", "A/b", false)]
    public void MatchesFollowsMqtt47(string filter, string topic, bool expected) =>
        Assert.That(MqttTopic.Matches(filter, topic), Is.EqualTo(expected));

    [TestCase("a/#/b", "'#' must be the last level on its own: 'a/#/b'")]
    [TestCase("a#", "'#' must be the last level on its own: 'a#'")]
    [TestCase("a/b+", "'+' must occupy a whole level: 'a/b+'")]
    [TestCase("", "a topic filter must not be empty")]
    public void InvalidFiltersSayWhy(string filter, string reason) =>
        Assert.That(MqttTopic.ValidateFilter(filter), Is.EqualTo(reason));

    [TestCase("#")]
    [TestCase("+/+/#")]
    [TestCase("/")]
    [TestCase("$SYS/#")]
    public void ValidFiltersPass(string filter) => Assert.That(MqttTopic.ValidateFilter(filter), Is.Null);
}
