using System.Net.Sockets;
using System.Text;
using Hil.Harness.Targets.Renode;
using Hil.Harness.Tests.Support.RenodeStandIn;

namespace Hil.Harness.Tests.Targets.Renode;

/// <summary>The monitor client against RENODE.md's bytes, coloured and with <c>--plain</c>.</summary>
[TestFixture(false)]
[TestFixture(true)]
public sealed class RenodeMonitorTests(bool plain)
{
    [Test]
    public async Task A_result_is_the_text_between_echo_and_prompt()
    {
        await using RenodeStandIn standIn = RenodeStandIn.Start(plain);
        await using RenodeMonitor monitor = await RenodeMonitor.ConnectAsync("127.0.0.1", standIn.Port);

        RenodeResult create = await monitor.ExecuteAsync("mach create \"node-x\"");
        await monitor.ExecuteAsync("sysbus WriteDoubleWord 0x20000000 0x3143414d");
        RenodeResult read = await monitor.ExecuteAsync("sysbus ReadDoubleWord 0x20000000");
        RenodeResult start = await monitor.ExecuteAsync("start");

        Assert.That(create.Lines, Is.Empty, "the banner and first prompt are not part of the first result");
        Assert.That(read.Lines, Is.EqualTo(new[] { "0x3143414d" }));
        Assert.That(start.Lines, Is.EqualTo(new[] { "Starting emulation..." }));
        Assert.That(monitor.PromptName, Is.EqualTo("node-x"));
    }

    [Test]
    public async Task An_unknown_command_is_an_error_carrying_Renodes_text()
    {
        await using RenodeStandIn standIn = RenodeStandIn.Start(plain);
        await using RenodeMonitor monitor = await RenodeMonitor.ConnectAsync("127.0.0.1", standIn.Port);

        var error = await Assert.ThrowsAsync<RenodeCommandException>(() => monitor.ExecuteAsync("foo_bar_baz"));

        Assert.That(error!.Command, Is.EqualTo("foo_bar_baz"));
        Assert.That(error.RenodeMessage, Is.EqualTo("No such command or device: foo_bar_baz"));
        Assert.That((await monitor.ExecuteAsync("pause")).Lines, Is.EqualTo(new[] { "Pausing emulation..." }), "the monitor still answers");
    }

    [Test]
    public async Task A_failed_command_reports_the_command_and_the_reason()
    {
        await using RenodeStandIn standIn = RenodeStandIn.Start(plain);
        await using RenodeMonitor monitor = await RenodeMonitor.ConnectAsync("127.0.0.1", standIn.Port);
        await monitor.ExecuteAsync("mach create \"node-x\"");

        var error = await Assert.ThrowsAsync<RenodeCommandException>(
            () => monitor.ExecuteAsync("machine LoadPlatformDescription @nonexistent.repl"));

        Assert.That(error!.RenodeMessage, Is.EqualTo(
            "There was an error executing command 'machine LoadPlatformDescription @nonexistent.repl': Could not find file 'nonexistent.repl'."));
        Assert.That(error.Message, Does.StartWith("Renode refused 'machine LoadPlatformDescription @nonexistent.repl'"));
    }

    [Test]
    public async Task A_reconnected_monitor_keeps_the_state_and_sends_nothing_before_the_first_command()
    {
        await using RenodeStandIn standIn = RenodeStandIn.Start(plain);
        await using (RenodeMonitor first = await RenodeMonitor.ConnectAsync("127.0.0.1", standIn.Port))
        {
            await first.ExecuteAsync("mach create \"node-x\"");
            await first.ExecuteAsync("sysbus WriteDoubleWord 0x20000004 0x1234");
        }

        using var raw = new TcpClient();
        await raw.ConnectAsync("127.0.0.1", standIn.Port);
        NetworkStream stream = raw.GetStream();
        await stream.WriteAsync("sysbus ReadDoubleWord 0x20000004\n"u8.ToArray());
        byte[] received = await ReadUntilAsync(stream, "(node-x) ");

        byte[] telnet = [0xFF, 0xFD, 0x00, 0xFF, 0xFD, 0x1F, 0xFF, 0xFB, 0x01, 0xFF, 0xFB, 0x03, 0xFF, 0xFC, 0x22];
        Assert.That(received.Take(telnet.Length), Is.EqualTo(telnet));
        string text = Encoding.UTF8.GetString(received, telnet.Length, received.Length - telnet.Length);
        Assert.That(text, Does.StartWith("sysbus ReadDoubleWord 0x20000004\n\r0x1234\r\r\n"), "no banner, no prompt before the echo");
    }

    [Test]
    public async Task Quit_says_so_and_closes_the_monitor()
    {
        await using RenodeStandIn standIn = RenodeStandIn.Start(plain);
        await using RenodeMonitor monitor = await RenodeMonitor.ConnectAsync("127.0.0.1", standIn.Port);

        await monitor.QuitAsync(TimeSpan.FromSeconds(5));

        Assert.That(standIn.HasQuit, Is.True);
        Assert.That(monitor.TranscriptTail, Does.EndWith("quit\n\rRenode is quitting\r\n\r"));
    }

    private static async Task<byte[]> ReadUntilAsync(NetworkStream stream, string marker)
    {
        var received = new List<byte>();
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!Encoding.UTF8.GetString(received.ToArray()).Contains(marker))
        {
            int count = await stream.ReadAsync(buffer, timeout.Token);
            if (count == 0) break;
            received.AddRange(buffer.Take(count));
        }
        return received.ToArray();
    }
}

/// <summary>The parsing rules themselves, on the exact byte sequences of RENODE.md.</summary>
public sealed class RenodeMonitorTextTests
{
    [Test]
    public void Telnet_commands_are_stripped_even_when_split_across_reads()
    {
        var filter = new TelnetFilter();

        string text = filter.Filter([0xFF, 0xFD, 0x00, 0xFF, 0xFD]) + filter.Filter([0x1F, 0xFF, 0xFB, 0x01, (byte)'o', (byte)'k', 0xFF, 0xFF]);

        Assert.That(text, Is.EqualTo("ok\uFFFD"), "IAC IAC is a literal 0xFF byte (not UTF-8 on its own)");
    }

    [TestCase("\x1b[91m(monitor) ", "monitor")]
    [TestCase("\x1b[33m(node-1) \x1b[0m", "node-1")]
    [TestCase("0x80000ee\r\r\n(machine-0) ", "machine-0")]
    public void Prompts_are_found_coloured_or_plain(string text, string name) =>
        Assert.That(RenodeMonitorText.FindTrailingPrompt(text)?.Groups["name"].Value, Is.EqualTo(name));

    [Test]
    public void The_offline_svd_download_warning_is_not_an_error_even_in_red()
    {
        const string body = "\x1b[91mFailed to download https://dl.antmicro.com/projects/renode/svd/STM32F40x.svd.gz, see log for details.\r\n\x1b[0m";

        Assert.That(RenodeMonitorText.FindError(body), Is.Null);
        Assert.That(RenodeMonitorText.FindError(body + "\x1b[91mNo such command or device: x\r\n\x1b[0m"), Is.EqualTo("No such command or device: x"));
    }

    [Test]
    public void Wrong_arguments_are_an_error_under_plain_too()
    {
        const string body = "The following methods are available:\r\n - Void RunFor(TimeInterval)\r\n\rUsage: emulation RunFor ...\r\n\r" +
                            "There was an error executing command 'emulation RunFor': Parameters did not match the signature\r\n";

        Assert.That(RenodeMonitorText.FindError(body), Does.Contain("Parameters did not match the signature"));
    }
}
