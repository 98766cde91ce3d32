namespace Hil.Cli.Tests;

/// <summary>`hil run --bench` and `hil boards` as a user runs them.</summary>
public sealed class BenchRunTests
{
    private string _folder = null!;

    [SetUp]
    public void MakeFolder() => _folder = Directory.CreateTempSubdirectory("hil-bench-").FullName;

    [TearDown]
    public void CleanUp() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task A_bad_bench_file_is_one_clear_line()
    {
        string bench = Write("bad.yaml", "targets:\n  - name: a\n    backend: native\n    colour: blue\n");

        CliProcess.Result result = await CliProcess.RunAsync("run", "--bench", bench);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StandardError.TrimEnd().Split('\n'), Is.EqualTo(new[]
            { $"hil: error: {bench}:4: unknown key 'colour' in target (known: name, backend, count, clock, firmware, serial, renode, rig)" }));
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
    public async Task A_scenario_needing_more_boards_than_the_bench_has_is_skipped_with_the_reason()
    {
        string bench = Write("one.yaml", "name: one-board\ntargets:\n  - name: only\n    backend: serial\n    rig: native\n    clock: virtual\n");

        CliProcess.Result result = await CliProcess.RunAsync("run", "--bench", bench, "--tags", "@smoke and @fleet", "--report", Path.Combine(_folder, "report"));

        Assert.That(result.ExitCode, Is.Not.Zero, "nothing passed, so the run is not a success");
        Assert.That(result.StandardOutput, Does.Contain(
            "  skip  Several nodes run side by side: two nodes each publish under their own id: the scenario needs node 2 but bench 'one-board' has 1 target(s)"));
        Assert.That(result.StandardOutput.TrimEnd(), Does.Match(@"0 passed, 0 failed, \d+ skipped$"));
    }

    [Test]
    public async Task A_bench_and_a_target_together_is_one_clear_line()
    {
        string bench = Write("one.yaml", "targets:\n  - name: only\n    backend: native\n");

        CliProcess.Result result = await CliProcess.RunAsync("run", "--bench", bench, "--target", "qemu");

        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.StandardError.TrimEnd().Split('\n'), Is.EqualTo(new[]
            { "hil: error: --bench names the targets and their firmware; leave out --target and --firmware (or the bench)." }));
    }

    [Test]
    public async Task Boards_lists_serial_devices_or_says_there_are_none()
    {
        CliProcess.Result result = await CliProcess.RunAsync("boards");

        Assert.That(result.ExitCode, Is.Zero);
        Assert.That(result.StandardOutput, Does.Match(@"^(No serial devices found|/dev/tty\S+ +\S)"));
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }
}
