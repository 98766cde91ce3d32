using Hil.Simulators.Audio;

namespace Hil.Cli.Tests;

public sealed class SimCommandTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("hil-sim-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task Sim_audio_writes_the_clip_the_generator_makes_for_that_seed()
    {
        string path = Path.Combine(_directory, "x.wav");
        CliProcess.Result result = await CliProcess.RunAsync("sim", "audio", "--kind", "piping", "--seconds", "1", "--seed", "3", "--out", path);

        Assert.That(result.ExitCode, Is.Zero, result.StandardError);
        Assert.That(result.StandardOutput, Does.Contain("piping (event)"));
        short[] expected = BeeAudioGenerator.Generate(new BeeClipOptions { Sound = HiveSound.Piping, Seconds = 1, Seed = 3 }).Samples;
        Assert.That(WavFile.Read(path).ToMonoPcm16(), Is.EqualTo(expected));
    }

    [Test]
    public async Task Sim_sensors_writes_one_row_per_interval_with_the_requested_faults()
    {
        string path = Path.Combine(_directory, "x.csv");
        CliProcess.Result result = await CliProcess.RunAsync("sim", "sensors", "--hours", "24", "--seed", "7", "--faults", "4", "--out", path);

        Assert.That(result.ExitCode, Is.Zero, result.StandardError);
        string[] lines = File.ReadAllLines(path);
        Assert.That(lines[0], Does.StartWith("time,temperature_c"));
        Assert.That(lines, Has.Length.EqualTo(1 + 24 * 60));
        Assert.That(lines.Skip(1).Count(l => !l.EndsWith(',')), Is.GreaterThan(0), "some rows carry fault labels");
    }

    [Test]
    public async Task A_bad_clip_length_is_one_clear_line_and_a_failure()
    {
        CliProcess.Result result = await CliProcess.RunAsync("sim", "audio", "--seconds", "-1", "--out", Path.Combine(_directory, "x.wav"));
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.StandardError.Trim(), Is.EqualTo("hil: error: clip length must be in (0, 600] seconds (got -1)"));
    }
}
