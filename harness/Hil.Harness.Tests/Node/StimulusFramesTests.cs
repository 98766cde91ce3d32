using System.Text;
using Hil.Harness.Node;

namespace Hil.Harness.Tests.Node;

public sealed class StimulusFramesTests
{
    [Test]
    public void Crc16_ccitt_false_matches_the_catalogue_check_value()
    {
        Assert.That(StimulusFrames.Crc16CcittFalse(Encoding.ASCII.GetBytes("123456789")), Is.EqualTo(0x29B1));
    }

    [Test]
    public void A_sensor_frame_carries_fixed_point_readings_and_a_crc_over_header_and_payload()
    {
        byte[] frame = StimulusFrames.Sensor(24.5, 58.25, batteryMv: 3712, rssiDbm: -61, hour: 9, publishNow: true);

        Assert.That(frame[..5], Is.EqualTo(new byte[] { 0xA5, 0x5A, 0x01, 9, 0 }));
        Assert.That(BitConverter.ToInt16(frame, 5), Is.EqualTo(2450));
        Assert.That(BitConverter.ToUInt16(frame, 7), Is.EqualTo(5825));
        Assert.That(BitConverter.ToUInt16(frame, 9), Is.EqualTo(3712));
        Assert.That((sbyte)frame[11], Is.EqualTo(-61));
        Assert.That(frame[12], Is.EqualTo(9));
        Assert.That(frame[13], Is.EqualTo(1));
        ushort crc = StimulusFrames.Crc16CcittFalse(frame.AsSpan(2, frame.Length - 4));
        Assert.That(BitConverter.ToUInt16(frame, frame.Length - 2), Is.EqualTo(crc));
    }

    [Test]
    public void A_clip_is_split_into_frames_flagged_first_and_last()
    {
        short[] clip = Enumerable.Range(0, 1200).Select(i => (short)i).ToArray();

        byte[][] frames = StimulusFrames.AudioClip(clip).ToArray();

        Assert.That(frames, Has.Length.EqualTo(3));
        Assert.That(frames.Select(f => f[5]), Is.EqualTo(new byte[] { 1, 0, 2 }));
        Assert.That(BitConverter.ToInt16(frames[1], 7), Is.EqualTo(510), "the second frame starts at sample 510");
    }

    [Test]
    public void Out_of_range_values_are_refused_with_the_reason()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StimulusFrames.Sensor(20, 50, hour: 24));
        Assert.Throws<OverflowException>(() => StimulusFrames.Sensor(400, 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => StimulusFrames.Audio(new short[511], true, true));
    }
}
