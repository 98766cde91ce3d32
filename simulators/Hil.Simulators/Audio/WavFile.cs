using System.Buffers.Binary;
using System.Text;

namespace Hil.Simulators.Audio;

/// <summary>
/// RIFF/WAVE reading and writing of our own. Reads PCM 8 (unsigned), 16, 24 and 32-bit and IEEE
/// float 32-bit, any channel count, in plain or WAVE_FORMAT_EXTENSIBLE headers; writes 16-bit PCM
/// mono. A broken file is an <see cref="InvalidDataException"/> saying what is wrong and where.
/// </summary>
public static class WavFile
{
    private const ushort FormatPcm = 1, FormatFloat = 3, FormatExtensible = 0xFFFE;

    public static WavAudio Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"WAV file not found: {path}", path);
        }
        try
        {
            return Read(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    public static WavAudio Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < 12) throw new InvalidDataException($"not a WAV file: {file.Length} bytes is shorter than a RIFF header (12)");
        if (!file[..4].SequenceEqual("RIFF"u8)) throw new InvalidDataException($"not a WAV file: starts with '{Printable(file[..4])}', not 'RIFF'");
        if (!file.Slice(8, 4).SequenceEqual("WAVE"u8)) throw new InvalidDataException($"not a WAV file: RIFF form type is '{Printable(file.Slice(8, 4))}', not 'WAVE'");

        (ushort format, int channels, int rate, int blockAlign, int bits)? fmt = null;
        int offset = 12;
        while (offset + 8 <= file.Length)
        {
            string id = Printable(file.Slice(offset, 4));
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(file.Slice(offset + 4));
            int body = offset + 8;
            if (id == "fmt ")
            {
                if (size < 16 || body + size > file.Length)
                    throw new InvalidDataException($"fmt chunk at byte {offset} is {size} bytes; needs at least 16 within the file");
                fmt = ParseFormat(file.Slice(body, (int)size));
            }
            else if (id == "data")
            {
                if (fmt is null) throw new InvalidDataException($"data chunk at byte {offset} comes before any fmt chunk");
                long available = file.Length - body;
                if (size > available)
                    throw new InvalidDataException($"data chunk declares {size} bytes but the file ends {available} bytes after it starts (truncated?)");
                var f = fmt.Value;
                if (size % f.blockAlign != 0)
                    throw new InvalidDataException($"data chunk of {size} bytes is not a whole number of {f.blockAlign}-byte frames");
                float[] samples = Decode(file.Slice(body, (int)size), f.format, f.bits);
                return new WavAudio(f.rate, f.channels, f.bits, f.format == FormatFloat ? WavSampleFormat.Float : WavSampleFormat.Pcm, samples);
            }
            offset = body + (int)Math.Min(size + (size & 1), int.MaxValue - body); // chunks are word aligned
        }
        throw new InvalidDataException(fmt is null ? "no fmt chunk found" : "no data chunk found");
    }

    private static (ushort, int, int, int, int) ParseFormat(ReadOnlySpan<byte> chunk)
    {
        ushort format = BinaryPrimitives.ReadUInt16LittleEndian(chunk);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(chunk[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(chunk[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(chunk[14..]);
        if (format == FormatExtensible)
        {
            if (chunk.Length < 40) throw new InvalidDataException($"WAVE_FORMAT_EXTENSIBLE fmt chunk is {chunk.Length} bytes; needs 40");
            format = BinaryPrimitives.ReadUInt16LittleEndian(chunk[24..]); // first two bytes of the sub-format GUID
        }
        if (format != FormatPcm && format != FormatFloat)
            throw new InvalidDataException($"unsupported encoding 0x{format:X4} (supported: PCM 0x0001, IEEE float 0x0003)");
        if (channels == 0) throw new InvalidDataException("fmt chunk says 0 channels");
        if (rate == 0 || rate > 1_000_000) throw new InvalidDataException($"implausible sample rate {rate} Hz");
        bool supported = format == FormatPcm ? bits is 8 or 16 or 24 or 32 : bits == 32;
        if (!supported)
            throw new InvalidDataException($"unsupported {(format == FormatPcm ? "PCM" : "float")} sample size {bits} bits (PCM: 8/16/24/32, float: 32)");
        if (blockAlign != channels * bits / 8)
            throw new InvalidDataException($"block align {blockAlign} does not match {channels} channel(s) × {bits} bits");
        return (format, channels, (int)rate, blockAlign, bits);
    }

    private static float[] Decode(ReadOnlySpan<byte> data, ushort format, int bits)
    {
        int width = bits / 8;
        var samples = new float[data.Length / width];
        for (int i = 0; i < samples.Length; i++)
        {
            ReadOnlySpan<byte> s = data.Slice(i * width, width);
            samples[i] = (format, bits) switch
            {
                (FormatFloat, _) => BinaryPrimitives.ReadSingleLittleEndian(s),
                (_, 8) => (s[0] - 128) / 128f,
                (_, 16) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
                (_, 24) => ((s[0] << 8 | s[1] << 16 | s[2] << 24) >> 8) / 8388608f,
                _ => (float)(BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648.0),
            };
        }
        return samples;
    }

    /// <summary>16-bit PCM mono: the canonical 44-byte header and the samples.</summary>
    public static byte[] EncodeMono16(ReadOnlySpan<short> samples, int sampleRate)
    {
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "sample rate must be positive");
        int dataBytes = checked(samples.Length * 2);
        var file = new byte[44 + dataBytes];
        "RIFF"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)(36 + dataBytes));
        "WAVEfmt "u8.CopyTo(file.AsSpan(8));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(16), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(20), FormatPcm);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(22), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(24), (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(28), (uint)(sampleRate * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(32), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(34), 16);
        "data"u8.CopyTo(file.AsSpan(36));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(40), (uint)dataBytes);
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(44 + 2 * i), samples[i]);
        return file;
    }

    public static void WriteMono16(string path, ReadOnlySpan<short> samples, int sampleRate) =>
        File.WriteAllBytes(path, EncodeMono16(samples, sampleRate));

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        foreach (byte b in bytes) text.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
        return text.ToString();
    }
}
