using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Packets;

public sealed class MqttCodecStrictnessTests
{
    private static byte[] Connect(string clientId = "c", byte flags = 0x02) =>
        [0x10, (byte)(12 + clientId.Length), 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, flags, 0, 60, 0, (byte)clientId.Length, .. clientId.Select(c => (byte)c)];

    private static IEnumerable<TestCaseData> Malformed()
    {
        yield return Case("remaining length of five bytes", [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "malformed remaining length (more than four bytes)");
        yield return Case("remaining length not minimal", [0xC0, 0x80, 0x00], "malformed remaining length (not minimally encoded)");
        yield return Case("reserved flags on PINGREQ", [0xC1, 0x00], "PingReq has reserved flags 0x1 (must be 0x0)");
        yield return Case("SUBSCRIBE flags not 0x2", [0x80, 0x06, 0x00, 0x01, 0x00, 0x01, (byte)'a', 0x00], "Subscribe has reserved flags 0x0 (must be 0x2)");
        yield return Case("PUBREL flags not 0x2", [0x60, 0x02, 0x00, 0x01], "PubRel has reserved flags 0x0 (must be 0x2)");
        yield return Case("reserved packet type 0", [0x00, 0x00], "reserved packet type 0");
        yield return Case("reserved packet type 15", [0xF0, 0x00], "reserved packet type 15");
        yield return Case("invalid UTF-8 topic", [0x30, 0x04, 0x00, 0x02, 0xC3, 0x28], "the topic name is not valid UTF-8");
        yield return Case("U+0000 in a topic", [0x30, 0x05, 0x00, 0x03, (byte)'a', 0x00, (byte)'b'], "the topic name contains U+0000");
        yield return Case("wildcard + in PUBLISH topic", [0x30, 0x05, 0x00, 0x03, (byte)'a', (byte)'/', (byte)'+'], "a topic name must not contain wildcards: 'a/+'");
        yield return Case("wildcard # in PUBLISH topic", [0x30, 0x03, 0x00, 0x01, (byte)'#'], "a topic name must not contain wildcards: '#'");
        yield return Case("PUBLISH QoS 3", [0x36, 0x05, 0x00, 0x01, (byte)'a', 0x00, 0x01], "PUBLISH with QoS 3");
        yield return Case("PUBLISH QoS 0 with DUP", [0x38, 0x03, 0x00, 0x01, (byte)'a'], "PUBLISH QoS 0 with DUP set");
        yield return Case("PUBLISH packet id 0", [0x32, 0x05, 0x00, 0x01, (byte)'a', 0x00, 0x00], "packet identifier 0 is invalid");
        yield return Case("PUBACK packet id 0", [0x40, 0x02, 0x00, 0x00], "packet identifier 0 is invalid");
        yield return Case("trailing bytes on PUBACK", [0x40, 0x03, 0x00, 0x01, 0xFF], "PubAck has 1 unexpected trailing byte(s)");
        yield return Case("trailing bytes on PINGREQ", [0xC0, 0x01, 0x00], "PingReq has 1 unexpected trailing byte(s)");
        yield return Case("string runs past the end", [0x30, 0x03, 0x00, 0x05, (byte)'a'], "a length-prefixed field runs past the end of the packet");
        yield return Case("SUBSCRIBE requested QoS 3", [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, (byte)'a', 0x03], "SUBSCRIBE requested QoS byte 0x03 is invalid");
        yield return Case("SUBSCRIBE bad filter", [0x82, 0x07, 0x00, 0x01, 0x00, 0x02, (byte)'#', (byte)'a', 0x00], "'#' must be the last level on its own: '#a'");
        yield return Case("SUBSCRIBE without filter", [0x82, 0x02, 0x00, 0x01], "SUBSCRIBE without a topic filter");
        yield return Case("CONNECT reserved flag", Connect(flags: 0x03), "CONNECT reserved flag is set");
        yield return Case("CONNECT will QoS without will", Connect(flags: 0x0A), "will QoS or retain set without the will flag");
        yield return Case("CONNECT password without user", Connect(flags: 0x42), "password flag set without the user name flag");
        byte[] unknownProtocol = Connect();
        unknownProtocol[4] = (byte)'X';
        yield return Case("CONNECT unknown protocol name", unknownProtocol, "unknown protocol name 'XQTT'");
    }

    private static TestCaseData Case(string name, byte[] bytes, string message) => new TestCaseData(bytes, message).SetName(name);

    [TestCaseSource(nameof(Malformed))]
    public void MalformedBytesAreAProtocolExceptionNamingTheRule(byte[] bytes, string message)
    {
        var e = Assert.Throws<MqttProtocolException>(() => MqttCodec.TryDecode(bytes, 1 << 20, out _, out _));
        Assert.That(e!.Reason, Is.EqualTo(message));
    }

    [Test]
    public void PacketOverTheMaximumIsRejectedFromItsHeaderAlone()
    {
        byte[] header = [0x30, 0xE8, 0x07]; // remaining length 1000; the body has not arrived yet
        var e = Assert.Throws<MqttProtocolException>(() => MqttCodec.TryDecode(header, 512, out _, out _));
        Assert.That(e!.Reason, Is.EqualTo("packet of 1003 bytes exceeds the maximum of 512"));
    }

    [Test]
    public async Task PacketReaderRejectsAPacketOverItsMaximum()
    {
        byte[] big = MqttCodec.Encode(new PublishPacket("t", new byte[5000]));
        var reader = new MqttPacketReader(new MemoryStream(big), maxPacketSize: 4096);
        var e = await Assert.ThrowsAsync<MqttProtocolException>(async () => await reader.ReadAsync());
        Assert.That(e!.Reason, Does.Contain("exceeds the maximum of 4096"));
    }
}
