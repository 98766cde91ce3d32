using System.Diagnostics;

namespace Hil.Cli.Tests;

/// <summary>`hil run --bench` and `hil boards` as a user runs them.</summary>
public sealed class BenchRunTests
{
    private string _folder = null!;
    private readonly List<Process> _started = new();

    [SetUp]
    public void MakeFolder() => _folder = Directory.CreateTempSubdirectory("hil-bench-").FullName;

    [TearDown]
    public void CleanUp()
    {
        foreach (Process process in _started)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
        }
        _started.Clear();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task A_bad_bench_file_is_one_clear_line()
    {
        string bench = Write("bad.yaml", "targets:\n  - name: a\n    backend: native\n    colour: blue\n");

        CliProcess.Result result = await CliProcess.RunAsync("run", "--bench", bench);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StandardError.TrimEnd().Split('\n'), Is.EqualTo(new[]
            { $"hil: error: {bench}:4: unknown key 'colour' in target (known: name, backend, count, clock, firmware, serial, renode)" }));
    }

    [Test]
    public async Task An_unplugged_board_is_one_clear_line()
    {
        string bench = Write("lab.yaml", "targets:\n  - name: board-a\n    backend: serial\n    serial:\n      console: /dev/serial/by-id/usb-hil-unplugged-if00\n");

        CliProcess.Result result = await CliProcess.RunAsync("run", "--bench", bench);

        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StandardError.TrimEnd().Split('\n'), Is.EqualTo(new[]
        {
            $"hil: error: {bench}: target 'board-a': serial device /dev/serial/by-id/usb-hil-unplugged-if00 (console) is not there — is the board plugged in? (`hil boards` lists serial devices)",
        }));
    }

    [Test]
    public async Task A_bench_of_pty_wired_boards_runs_the_checks_on_each()
    {
        string[] native = await WireNodeAsync("n", qemu: false);
        string[] qemu = await WireNodeAsync("q", qemu: true);
        string bench = Write("ptys.yaml", $"""
            name: pty-boards
            targets:
              - name: native-board
                backend: serial
                serial: {Devices(native)}
              - name: qemu-board
                backend: serial
                firmware: {"{"} image: {Path.Combine(Harness.Support.RepositoryLayout.BuildDirectory, "firmware", "stm32f4", "hive-node.elf")}, version: 3.0.0 {"}"}
                serial: {Devices(qemu)}
            """);

        CliProcess.Result result = await CliProcess.RunAsync("run", "--bench", bench);

        Assert.That(result.ExitCode, Is.Zero, result.StandardOutput + result.StandardError);
        Assert.That(result.StandardOutput, Does.Contain("target native-board (serial)").And.Contain("target qemu-board (serial)"));
        Assert.That(result.StandardOutput, Does.Contain("board=native").And.Contain("board=stm32f4"));
        Assert.That(result.StandardOutput.TrimEnd(), Does.EndWith("8 passed, 0 failed"));
    }

    [Test]
    public async Task Boards_lists_serial_devices_or_says_there_are_none()
    {
        CliProcess.Result result = await CliProcess.RunAsync("boards");

        Assert.That(result.ExitCode, Is.Zero);
        Assert.That(result.StandardOutput, Does.Match(@"^(No serial devices found|/dev/tty\S+ +\S)"));
    }

    private static string Devices(string[] harnessSides) =>
        $"{{ console: {harnessSides[0]}, link: {harnessSides[1]}, stimulus: {harnessSides[2]} }}";

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Three socat pty pairs and a node (native or QEMU) on their board ends; returns the harness ends.</summary>
    private async Task<string[]> WireNodeAsync(string prefix, bool qemu)
    {
        var boardSides = new List<string>();
        var harnessSides = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            string board = Path.Combine(_folder, $"{prefix}{i}-board"), harness = Path.Combine(_folder, $"{prefix}{i}-harness");
            Start("socat", "-d", "-d", $"pty,raw,echo=0,link={board}", $"pty,raw,echo=0,link={harness}");
            boardSides.Add(board);
            harnessSides.Add(harness);
        }
        // socat's links appearing is its only ready signal.
        await Harness.Support.Poll.UntilAsync(_ => Task.FromResult(harnessSides.Concat(boardSides).All(File.Exists)), ready => ready,
            "socat's pty links", TimeSpan.FromSeconds(10));
        string root = Harness.Support.RepositoryLayout.BuildDirectory;
        if (qemu)
        {
            var args = new List<string> { "-M", "netduinoplus2", "-display", "none", "-monitor", "none", "-kernel", Path.Combine(root, "firmware", "stm32f4", "hive-node.elf") };
            for (int i = 0; i < 3; i++) args.AddRange(["-chardev", $"serial,id=u{i},path={boardSides[i]}", "-serial", $"chardev:u{i}"]);
            Start("qemu-system-arm", args.ToArray());
        }
        else
        {
            Start(Path.Combine(root, "firmware", "native", "hive-node"), "--console", $"path:{boardSides[0]}", "--link", $"path:{boardSides[1]}",
                "--stimulus", $"path:{boardSides[2]}", "--flash", Path.Combine(_folder, $"{prefix}.flash"), "--mac", "02:00:00:00:0b:01");
        }
        return harnessSides.ToArray();
    }

    private void Start(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        Process process = Process.Start(info)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _started.Add(process);
    }
}
