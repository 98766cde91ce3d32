using System.Text.RegularExpressions;
using Hil.Harness.Node;
using Hil.Harness.Support;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Serial;
using Hil.Harness.Tests.Support;

namespace Hil.Harness.Tests.Targets.Serial;

/// <summary>The serial target on real ptys (socat), with firmware or the test playing the board.</summary>
public sealed class SerialTargetTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private string _folder = null!;

    [SetUp]
    public void MakeFolder() => _folder = Directory.CreateTempSubdirectory("hil-serial-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task A_QEMU_node_wired_through_ptys_answers_as_a_board()
    {
        await using PtyBoard board = await PtyBoard.CreateAsync("qemu-board", firmware: "qemu");
        await board.Target.StartAsync();
        var console = new NodeConsole(board.Target.GetChannel(ChannelNames.Console));
        await console.WaitForPromptAsync(Wait);

        ConsoleReply version = await console.ExecuteOkAsync("version");
        await board.Target.GetChannel(ChannelNames.Stimulus).WriteAsync(StimulusFrames.Sensor(20, 50));
        ConsoleReply status = await Poll.UntilAsync(ct => console.ExecuteOkAsync("status", cancellationToken: ct),
            s => s.GetInt64("stim_frames") >= 1, "the stimulus frame counted", Wait);

        Assert.That(version["board"], Is.EqualTo("stm32f4"));
        Assert.That(status.GetInt64("stim_bad"), Is.Zero);
    }

    [Test]
    public async Task A_device_that_vanishes_and_returns_is_reopened_and_the_gap_reported()
    {
        SocatPair cable = await SocatPair.StartAsync(_folder, "usb");
        SerialPort boardSide = SerialPort.Open(cable.BoardSide);
        await using var target = new SerialTarget(new SerialTargetOptions
        {
            Name = "board-1", ChannelNames = ["console"], Devices = new Dictionary<string, string> { ["console"] = cable.HarnessSide },
            ReadyPattern = new Regex("^hello"),
        });
        Task starting = target.StartAsync();
        await boardSide.WriteAsync("hello\r\n"u8.ToArray());
        await starting;

        await boardSide.DisposeAsync();
        await cable.UnplugAsync();
        await using SocatPair replugged = await SocatPair.StartAsync(_folder, "usb");
        await using SerialPort newBoardSide = SerialPort.Open(replugged.BoardSide);
        Hil.Harness.Channels.TargetChannel console = target.GetChannel("console");
        await console.WaitForAsync(_ => target.Gaps.Count == 1, "the reopened device", Wait);
        await newBoardSide.WriteAsync("back again\r\n"u8.ToArray());

        await console.ExpectLineAsync("^back again$", Wait);
        Assert.That(target.Gaps[0].Device, Is.EqualTo(cable.HarnessSide));
        Assert.That(target.Gaps[0].Duration, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(target.State, Is.EqualTo(TargetState.Running));
    }

    [Test]
    public async Task Flashing_runs_the_configured_command_and_keeps_its_output()
    {
        await using SocatPair cable = await SocatPair.StartAsync(_folder, "flash");
        await using var target = new SerialTarget(new SerialTargetOptions
        {
            Name = "board-1", ChannelNames = ["console"], Devices = new Dictionary<string, string> { ["console"] = cable.HarnessSide },
            FirmwareImage = "/images/hive-node.elf",
            FlashCommand = "echo writing {firmware} through {device}; printf 'hive-node ready\\r\\n' > {device}.missing 2>/dev/null; exit 3",
        });

        var error = await Assert.ThrowsAsync<TargetStartException>(() => target.StartAsync());

        Assert.That(error!.Message, Does.Contain("flash command of board 'board-1' failed").And.Contain("exited with code 3"));
        Assert.That(target.CommandLog, Has.Some.Contains($"writing /images/hive-node.elf through {cable.HarnessSide}"));
        Assert.That(target.State, Is.EqualTo(TargetState.Failed));
    }

    [Test]
    public async Task An_unplugged_device_is_a_clear_error_naming_it()
    {
        await using var target = new SerialTarget(new SerialTargetOptions
        {
            Name = "board-1", Devices = new Dictionary<string, string> { ["console"] = "/dev/serial/by-id/usb-hil-nothing-if00" },
        });

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => target.StartAsync());

        Assert.That(error!.Message, Does.Contain("'/dev/serial/by-id/usb-hil-nothing-if00' does not exist").And.Contain("unplugged"));
    }

    [Test]
    public async Task Ptys_take_every_supported_speed_but_have_no_modem_lines()
    {
        await using SocatPair cable = await SocatPair.StartAsync(_folder, "speed");
        foreach (int baud in new[] { 9600, 115200, 921600 })
        {
            await using SerialPort port = SerialPort.Open(cable.HarnessSide, baud, hardwareFlowControl: baud == 921600);
            Assert.That(port.Device, Is.EqualTo(cable.HarnessSide));
        }
        await using SerialPort open = SerialPort.Open(cable.HarnessSide);

        Assert.Throws<ArgumentOutOfRangeException>(() => SerialPort.Open(cable.HarnessSide, 12345));
        var noLines = Assert.Throws<IOException>(() => open.SetDtr(true));
        Assert.That(noLines!.Message, Does.Contain("DTR").And.Contain(cable.HarnessSide));
    }
}
