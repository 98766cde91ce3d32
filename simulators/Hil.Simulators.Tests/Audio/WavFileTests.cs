using System.Buffers.Binary;
using Hil.Simulators.Audio;

namespace Hil.Simulators.Tests.Audio;

public sealed class WavFileTests
{
    [Test]
    public void Sixteen_bit_mono_round_trips_exactly()
    {
        short[] samples = [0, 1, -1, short.MaxValue, short.MinValue, 1234, -4321];
        WavAudio audio = WavFile.Read(WavFile.EncodeMono16(samples, 16000));
        Assert.That(audio.SampleRate, Is.EqualTo(16000));
        Assert.That(audio.Channels, Is.EqualTo(1));
        Assert.That(audio.BitsPerSample, Is.EqualTo(16));
        Assert.That(audio.ToMonoPcm16(), Is.EqualTo(samples));
    }

    [TestCase(8, 1)]
    [TestCase(16, 2)]
    [TestCase(24, 2)]
    [TestCase(32, 1)]
    public void Pcm_of_every_width_decodes_to_the_same_values(int bits, int channels)
    {
        double[] values = [0, 0.5, -0.5, 0.25, -1];
        byte[] file = Build(1, channels, bits, values.SelectMany(v => Enumerable.Repeat(v, channels)).ToArray());
        WavAudio audio = WavFile.Read(file);
        Assert.That(audio.Channels, Is.EqualTo(channels));
        Assert.That(audio.FrameCount, Is.EqualTo(values.Length));
        Assert.That(audio.ToMono(), Is.EqualTo(values.Select(v => (float)v)).Within(1.0 / 128));
    }

    [Test]
    public void Float32_stereo_is_averaged_to_mono()
    {
        WavAudio audio = WavFile.Read(Build(3, 2, 32, [0.5, 0.25, -1, 1]));
        Assert.That(audio.Format, Is.EqualTo(WavSampleFormat.Float));
        Assert.That(audio.ToMono(), Is.EqualTo(new[] { 0.375f, 0f }));
    }

    [Test]
    public void Extensible_headers_are_read_through_their_sub_format()
    {
        WavAudio audio = WavFile.Read(Build(0xFFFE, 1, 16, [0.5], extensibleSubFormat: 1));
        Assert.That(audio.ToMono(), Is.EqualTo(new[] { 0.5f }));
    }

    [TestCase("not a WAV file: starts with 'RIFX'")]
    [TestCase("data chunk declares")]
    [TestCase("unsupported encoding 0x0055")]
    [TestCase("unsupported PCM sample size 12 bits")]
    [TestCase("block align 3 does not match")]
    [TestCase("no data chunk found")]
    [TestCase("shorter than a RIFF header")]
    public void Broken_files_are_refused_with_what_is_wrong(string expected)
    {
        byte[] good = Build(1, 1, 16, [0.1, 0.2]);
        byte[] bad = expected switch
        {
            _ when expected.Contains("RIFX") => [.. "RIFX"u8, .. good[4..]],
            _ when expected.Contains("declares") => good[..^2],
            _ when expected.Contains("0x0055") => Build(0x55, 1, 16, [0.1]),
            _ when expected.Contains("12 bits") => Build(1, 1, 12, []),
            _ when expected.Contains("block align") => Patch(good, 44, 3),
            _ when expected.Contains("no data") => good[..48],
            _ => good[..10],
        };
        var e = Assert.Throws<InvalidDataException>(() => WavFile.Read(bad));
        Assert.That(e!.Message, Does.Contain(expected));
    }

    [Test]
    public void A_missing_file_names_the_path()
    {
        var e = Assert.Throws<FileNotFoundException>(() => WavFile.Read("/nonexistent/clip.wav"));
        Assert.That(e!.Message, Does.Contain("/nonexistent/clip.wav"));
    }

    private static byte[] Patch(byte[] file, int offset, ushort value)
    {
        var copy = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    /// <summary>A WAV file built field by field, independent of the writer under test.</summary>
    private static byte[] Build(ushort format, int channels, int bits, double[] interleaved, ushort? extensibleSubFormat = null)
    {
        int width = Math.Max(1, bits / 8);
        var data = new List<byte>();
        foreach (double v in interleaved)
        {
            byte[] s = new byte[width];
            if (format == 3) BinaryPrimitives.WriteSingleLittleEndian(s, (float)v);
            else if (bits == 8) s[0] = (byte)Math.Clamp(128 + Math.Round(v * 128), 0, 255);
            else
            {
                long full = (long)Math.Clamp(Math.Round(v * (1L << (bits - 1))), -(1L << (bits - 1)), (1L << (bits - 1)) - 1);
                for (int b = 0; b < width; b++) s[b] = (byte)(full >> (8 * b));
            }
            data.AddRange(s);
        }
        var fmt = new List<byte>();
        void U16(List<byte> to, int v) { to.Add((byte)v); to.Add((byte)(v >> 8)); }
        void U32(List<byte> to, int v) { U16(to, v & 0xFFFF); U16(to, v >>> 16); }
        U16(fmt, format); U16(fmt, channels); U32(fmt, 16000); U32(fmt, 16000 * channels * width); U16(fmt, channels * width); U16(fmt, bits);
        if (extensibleSubFormat is { } sub)
        {
            U16(fmt, 22); U16(fmt, bits); U32(fmt, 0); U16(fmt, sub);
            fmt.AddRange(new byte[14]);
        }
        var file = new List<byte>();
        file.AddRange("RIFF"u8.ToArray()); U32(file, 4 + 8 + fmt.Count + 8 + data.Count);
        file.AddRange("WAVE"u8.ToArray());
        file.AddRange("LIST"u8.ToArray()); U32(file, 3); file.AddRange(new byte[4]); // an odd-sized chunk to skip (padded)
        file.AddRange("fmt "u8.ToArray()); U32(file, fmt.Count); file.AddRange(fmt);
        file.AddRange("data"u8.ToArray()); U32(file, data.Count); file.AddRange(data);
        return file.ToArray();
    }
}
