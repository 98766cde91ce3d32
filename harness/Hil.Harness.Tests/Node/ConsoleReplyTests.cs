using Hil.Harness.Node;

namespace Hil.Harness.Tests.Node;

public sealed class ConsoleReplyTests
{
    [Test]
    public void Key_value_pairs_are_read_from_every_line()
    {
        var reply = new ConsoleReply("status", ["uptime_ms=1234", "link=mqtt", "fw=3.0.0 protocol=3"]);

        Assert.That(reply.GetInt64("uptime_ms"), Is.EqualTo(1234));
        Assert.That(reply["link"], Is.EqualTo("mqtt"));
        Assert.That(reply["protocol"], Is.EqualTo("3"));
        Assert.That(reply.IsError, Is.False);
        var missing = Assert.Throws<KeyNotFoundException>(() => _ = reply["nope"]);
        Assert.That(missing!.Message, Does.Contain("status").And.Contain("nope"));
    }

    [Test]
    public void An_ERR_line_is_an_error_with_its_reason()
    {
        var reply = new ConsoleReply("frob", ["ERR unknown command 'frob' (try help)"]);

        Assert.That(reply.Error, Is.EqualTo("unknown command 'frob' (try help)"));
        Assert.Throws<FormatException>(() => new ConsoleReply("x", ["a=b"]).GetInt64("a"));
    }
}
