using System.Text.RegularExpressions;
using Hil.Harness.Channels;
using Hil.Harness.Tests.Support;

namespace Hil.Harness.Tests.Channels;

public sealed class TargetChannelTests
{
    [Test]
    public async Task Lines_are_expected_in_order_and_consumed()
    {
        await using LoopbackPair pair = await LoopbackPair.ConnectAsync();
        await using var channel = new TargetChannel("t1", "console");
        await channel.AttachAsync(pair.HarnessSide);

        await pair.FirmwareWritesAsync("first\r\nsecond\r\nthird\n");

        Match second = await channel.ExpectLineAsync(new Regex("^s(.*)"), TimeSpan.FromSeconds(5));
        Match third = await channel.ExpectLineAsync(new Regex("^t"), TimeSpan.FromSeconds(5));
        Assert.That(second.Groups[1].Value, Is.EqualTo("econd"));
        Assert.That(third.Value, Is.EqualTo("t"));
        await Assert.ThrowsAsync<ChannelTimeoutException>(() =>
            channel.ExpectLineAsync(new Regex("^first"), TimeSpan.FromMilliseconds(50)), "'first' is behind the cursor");
    }

    [Test]
    public async Task A_timeout_names_the_target_the_channel_and_what_was_seen()
    {
        await using LoopbackPair pair = await LoopbackPair.ConnectAsync();
        await using var channel = new TargetChannel("node-7", "console");
        await channel.AttachAsync(pair.HarnessSide);
        await pair.FirmwareWritesAsync("booting\r\nalmost there\r\n> ");
        await channel.WaitForAsync(c => c.PartialLine == "> ", "the prompt", TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<ChannelTimeoutException>(() =>
            channel.ExpectLineAsync(new Regex("^ready$"), TimeSpan.FromMilliseconds(100)));

        Assert.That(error!.Message, Does.Contain("node-7").And.Contain("'console'").And.Contain("/^ready$/"));
        Assert.That(error.Message, Does.Contain("almost there").And.Contain("(no line end yet)"));
        Assert.That(error.LastLines, Is.EqualTo(new[] { "booting", "almost there" }));
    }

    [Test]
    public async Task Expecting_no_line_fails_when_it_appears()
    {
        await using LoopbackPair pair = await LoopbackPair.ConnectAsync();
        await using var channel = new TargetChannel("t1", "console");
        await channel.AttachAsync(pair.HarnessSide);

        Task quiet = channel.ExpectNoLineAsync(new Regex("panic"), TimeSpan.FromMilliseconds(200));
        await quiet;
        Task noisy = channel.ExpectNoLineAsync(new Regex("panic"), TimeSpan.FromSeconds(5));
        await pair.FirmwareWritesAsync("kernel panic\n");

        await Assert.ThrowsAsync<InvalidOperationException>(() => noisy);
    }

    [Test]
    public async Task Bytes_are_counted_and_a_closed_peer_is_reported()
    {
        await using LoopbackPair pair = await LoopbackPair.ConnectAsync();
        await using var channel = new TargetChannel("t1", "link");
        await channel.AttachAsync(pair.HarnessSide);

        await channel.WriteAsync("hello");
        await pair.FirmwareWritesAsync("0123456789");
        await channel.WaitForAsync(c => c.BytesReceived == 10, "ten bytes", TimeSpan.FromSeconds(5));
        pair.FirmwareSide.Close();
        await channel.WaitForAsync(c => c.IsClosed, "the close", TimeSpan.FromSeconds(5));

        Assert.That(channel.BytesSent, Is.EqualTo(5));
        Assert.That(channel.PartialLine, Is.EqualTo("0123456789"));
        var error = await Assert.ThrowsAsync<ChannelTimeoutException>(() => channel.ExpectLineAsync("x", TimeSpan.FromMilliseconds(10)));
        Assert.That(error!.Message, Does.Contain("closed"));
    }
}
