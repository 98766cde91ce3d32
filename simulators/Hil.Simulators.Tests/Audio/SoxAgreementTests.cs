using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Hil.Simulators.Audio;

namespace Hil.Simulators.Tests.Audio;

/// <summary>sox (Debian) is the outside check of our WAV writer: it must read back what we wrote.</summary>
public sealed class SoxAgreementTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("hil-sox-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task Sox_reads_the_format_length_and_levels_we_wrote()
    {
        BeeClip clip = BeeAudioGenerator.Generate(new BeeClipOptions { Sound = HiveSound.Piping, Seconds = 2, Seed = 3 });
        string path = Path.Combine(_directory, "piping.wav");
        WavFile.WriteMono16(path, clip.Samples, BeeClipOptions.SampleRate);

        string info = await SoxAsync("--i", path);
        Assert.That(Field(info, "Channels"), Is.EqualTo("1"));
        Assert.That(Field(info, "Sample Rate"), Is.EqualTo("16000"));
        Assert.That(Field(info, "Precision"), Is.EqualTo("16-bit"));
        Assert.That(Field(info, "Sample Encoding"), Is.EqualTo("16-bit Signed Integer PCM"));
        Assert.That(Field(info, "Duration"), Does.Contain($"= {clip.Samples.Length} samples"));

        string stat = await SoxAsync(path, "-n", "stat");
        Assert.That(Number(stat, "Samples read"), Is.EqualTo(clip.Samples.Length));
        Assert.That(Number(stat, "Maximum amplitude"), Is.EqualTo(clip.Samples.Max() / 32768.0).Within(1e-6));
        Assert.That(Number(stat, "Minimum amplitude"), Is.EqualTo(clip.Samples.Min() / 32768.0).Within(1e-6));
        double rms = Math.Sqrt(clip.Samples.Average(s => (double)s * s)) / 32768.0;
        Assert.That(Number(stat, "RMS     amplitude"), Is.EqualTo(rms).Within(1e-6));
    }

    private static string Field(string output, string name) =>
        Regex.Match(output, $@"^{Regex.Escape(name)}\s*:\s*(.+)$", RegexOptions.Multiline) is { Success: true } m
            ? m.Groups[1].Value.Trim()
            : throw new AssertionException($"sox printed no '{name}' in:\n{output}");

    private static double Number(string output, string name) =>
        double.Parse(Field(output, name).Split(' ')[0], CultureInfo.InvariantCulture);

    private static async Task<string> SoxAsync(params string[] arguments)
    {
        string? sox = Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => Path.Combine(d, "sox")).FirstOrDefault(File.Exists);
        if (sox is null) Assert.Ignore("sox is not installed (Debian package 'sox'; ./hil prereqs installs it): cannot check our WAV files against it");
        var start = new ProcessStartInfo(sox!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.That(process.ExitCode, Is.Zero, $"sox {string.Join(' ', arguments)}: {await stderr}");
        return await stdout + await stderr; // `stat` reports on stderr
    }
}
