using System.Text;
using Hil.Harness.Gdb;

namespace Hil.Harness.Tests.Gdb;

public sealed class GdbPacketTests
{
    [Test]
    public void A_packet_is_framed_with_the_modulo_256_sum_of_its_bytes()
    {
        // "OK": 0x4f + 0x4b = 0x9a, the checksum QEMU sends with it.
        Assert.That(Encoding.ASCII.GetString(GdbPacket.Encode("OK")), Is.EqualTo("$OK#9a"));
        Assert.That(Encoding.ASCII.GetString(GdbPacket.Encode("m200023ac,10")), Is.EqualTo("$m200023ac,10#" + Sum("m200023ac,10")));
    }

    [Test]
    public void Special_characters_are_escaped_and_unescaped()
    {
        byte[] frame = GdbPacket.Encode("a$b#c}d*e");
        string text = Encoding.ASCII.GetString(frame);
        Assert.That(text, Does.StartWith("$a}\u0004b}\u0003c}]d}\ne#"));
        byte[] body = frame[1..^3];
        Assert.That(GdbPacket.TryDecode(body, frame[^2], frame[^1], out string data), Is.True);
        Assert.That(data, Is.EqualTo("a$b#c}d*e"));
    }

    [Test]
    public void Run_length_encoded_replies_are_expanded()
    {
        byte[] body = Encoding.ASCII.GetBytes("0* "); // '0' and ' ' - 29 = 3 more copies
        string sum = Sum("0* ");
        Assert.That(GdbPacket.TryDecode(body, (byte)sum[0], (byte)sum[1], out string data), Is.True);
        Assert.That(data, Is.EqualTo("0000"));
    }

    [Test]
    public void A_wrong_checksum_is_refused()
    {
        Assert.That(GdbPacket.TryDecode(Encoding.ASCII.GetBytes("OK"), (byte)'9', (byte)'b', out _), Is.False);
        Assert.That(GdbPacket.TryDecode(Encoding.ASCII.GetBytes("OK"), (byte)'z', (byte)'a', out _), Is.False);
    }

    private static string Sum(string text) => (text.Sum(c => c) & 0xFF).ToString("x2");
}
