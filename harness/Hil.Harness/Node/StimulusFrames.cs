using System.Buffers.Binary;

namespace Hil.Harness.Node;

/// <summary>
/// Encodes the reference node's stimulus frames (firmware/README.md, "Stimulus"):
/// <c>A5 5A | type | len u16 LE | payload | CRC-16/CCITT-FALSE u16 LE over type, len and payload</c>.
/// </summary>
public static class StimulusFrames
{
    public const byte SensorType = 0x01;
    public const byte AudioType = 0x02;
    public const byte StagedAudioType = 0x03;
    public const int MaxPayload = 1024;
    public const int MaxAudioSamplesPerFrame = 510;

    /// <summary>A sensor reading; <paramref name="publishNow"/> asks the node to sample and publish at once.</summary>
    public static byte[] Sensor(double temperatureC, double humidityPct, int batteryMv = 3700, int rssiDbm = -60,
        int hour = 12, bool publishNow = false)
    {
        if (hour is < 0 or > 23) throw new ArgumentOutOfRangeException(nameof(hour), hour, "hour of day is 0..23");
        var payload = new byte[8];
        BinaryPrimitives.WriteInt16LittleEndian(payload, checked((short)Math.Round(temperatureC * 100)));
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(2), checked((ushort)Math.Round(humidityPct * 100)));
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(4), checked((ushort)batteryMv));
        payload[6] = unchecked((byte)checked((sbyte)rssiDbm));
        payload[7] = (byte)hour;
        return Frame(SensorType, [.. payload, (byte)(publishNow ? 1 : 0)]);
    }

    /// <summary>One block of 16 kHz mono audio.</summary>
    public static byte[] Audio(ReadOnlySpan<short> samples, bool firstBlock, bool lastBlock)
    {
        if (samples.Length > MaxAudioSamplesPerFrame)
            throw new ArgumentOutOfRangeException(nameof(samples), samples.Length, $"at most {MaxAudioSamplesPerFrame} samples per frame");
        var payload = new byte[2 + samples.Length * 2];
        payload[0] = (byte)((firstBlock ? 1 : 0) | (lastBlock ? 2 : 0));
        for (int i = 0; i < samples.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(payload.AsSpan(2 + i * 2), samples[i]);
        return Frame(AudioType, payload);
    }

    /// <summary>"Staged audio ready": wakes the node to consume a block written into its staging buffer.</summary>
    public static byte[] StagedAudioReady() => Frame(StagedAudioType, []);

    /// <summary>A whole clip as consecutive audio frames (first and last flagged).</summary>
    public static IEnumerable<byte[]> AudioClip(short[] samples, int samplesPerFrame = MaxAudioSamplesPerFrame)
    {
        for (int offset = 0; offset < samples.Length; offset += samplesPerFrame)
        {
            int count = Math.Min(samplesPerFrame, samples.Length - offset);
            yield return Audio(samples.AsSpan(offset, count), offset == 0, offset + count >= samples.Length);
        }
    }

    public static byte[] Frame(byte type, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPayload)
            throw new ArgumentOutOfRangeException(nameof(payload), payload.Length, $"a frame carries at most {MaxPayload} bytes");
        var frame = new byte[2 + 3 + payload.Length + 2];
        frame[0] = 0xA5;
        frame[1] = 0x5A;
        frame[2] = type;
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(3), (ushort)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        ushort crc = Crc16CcittFalse(frame.AsSpan(2, 3 + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(5 + payload.Length), crc);
        return frame;
    }

    /// <summary>CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final XOR.</summary>
    public static ushort Crc16CcittFalse(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (byte b in data)
        {
            crc ^= (ushort)(b << 8);
            for (int bit = 0; bit < 8; bit++)
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
        }
        return crc;
    }
}
