using System.Buffers.Binary;
using System.Text;

namespace Hil.Mqtt.Packets;

/// <summary>
/// Encodes and decodes MQTT 3.1.1 packets. Decoding is strict: reserved flags, bad remaining
/// lengths, invalid UTF-8, wildcards in a PUBLISH topic, oversize packets and trailing bytes
/// are all <see cref="MqttProtocolException"/>s naming the rule.
/// </summary>
public static class MqttCodec
{
    /// <summary>The protocol's own ceiling for a remaining length (four length bytes).</summary>
    public const int MaxRemainingLength = 268_435_455;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Decodes one packet from the start of <paramref name="buffer"/>. Returns false when more
    /// bytes are needed; throws <see cref="MqttProtocolException"/> for malformed input.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> buffer, int maxPacketSize, out MqttPacket? packet, out int consumed)
    {
        packet = null;
        consumed = 0;
        if (buffer.Length < 2) return false;
        int remaining = 0, multiplier = 1, index = 1;
        while (true)
        {
            if (index >= buffer.Length) return false;
            byte b = buffer[index++];
            remaining += (b & 0x7F) * multiplier;
            if ((b & 0x80) == 0) break;
            if (index > 4) throw new MqttProtocolException("malformed remaining length (more than four bytes)");
            multiplier *= 128;
        }
        if (index > 2 && buffer[index - 1] == 0)
            throw new MqttProtocolException("malformed remaining length (not minimally encoded)");
        int total = index + remaining;
        if (total > maxPacketSize)
            throw new MqttProtocolException($"packet of {total} bytes exceeds the maximum of {maxPacketSize}");
        if (buffer.Length < total) return false;
        packet = DecodeBody(buffer[0], buffer.Slice(index, remaining));
        consumed = total;
        return true;
    }

    private static MqttPacket DecodeBody(byte header, ReadOnlySpan<byte> body)
    {
        var type = (MqttPacketType)(header >> 4);
        int flags = header & 0x0F;
        var reader = new BodyReader(body);
        MqttPacket packet;
        switch (type)
        {
            case MqttPacketType.Connect: RequireFlags(type, flags, 0); packet = DecodeConnect(ref reader); break;
            case MqttPacketType.ConnAck:
                RequireFlags(type, flags, 0);
                byte ackFlags = reader.Byte();
                if ((ackFlags & 0xFE) != 0) throw new MqttProtocolException("CONNACK reserved flags are set");
                packet = new ConnAckPacket((ackFlags & 1) != 0, (ConnectReturnCode)reader.Byte());
                break;
            case MqttPacketType.Publish: packet = DecodePublish(flags, ref reader); break;
            case MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubComp or MqttPacketType.UnsubAck:
                RequireFlags(type, flags, 0); packet = new PacketIdPacket(type, reader.PacketId()); break;
            case MqttPacketType.PubRel:
                RequireFlags(type, flags, 2); packet = new PacketIdPacket(type, reader.PacketId()); break;
            case MqttPacketType.Subscribe: RequireFlags(type, flags, 2); packet = DecodeSubscribe(ref reader); break;
            case MqttPacketType.SubAck:
                RequireFlags(type, flags, 0);
                ushort subAckId = reader.PacketId();
                var codes = new List<byte>();
                while (!reader.End)
                {
                    byte code = reader.Byte();
                    if (code is > 2 and not SubAckPacket.Failure) throw new MqttProtocolException($"invalid SUBACK return code 0x{code:x2}");
                    codes.Add(code);
                }
                packet = new SubAckPacket(subAckId, codes);
                break;
            case MqttPacketType.Unsubscribe:
                RequireFlags(type, flags, 2);
                ushort unsubId = reader.PacketId();
                var filters = new List<string>();
                while (!reader.End) filters.Add(reader.String("topic filter"));
                if (filters.Count == 0) throw new MqttProtocolException("UNSUBSCRIBE without a topic filter");
                packet = new UnsubscribePacket(unsubId, filters);
                break;
            case MqttPacketType.PingReq or MqttPacketType.PingResp or MqttPacketType.Disconnect:
                RequireFlags(type, flags, 0); packet = new EmptyPacket(type); break;
            default: throw new MqttProtocolException($"reserved packet type {(int)type}");
        }
        if (!reader.End) throw new MqttProtocolException($"{type} has {reader.Remaining} unexpected trailing byte(s)");
        return packet;
    }

    private static void RequireFlags(MqttPacketType type, int flags, int expected)
    {
        if (flags != expected) throw new MqttProtocolException($"{type} has reserved flags 0x{flags:x} (must be 0x{expected:x})");
    }

    private static ConnectPacket DecodeConnect(ref BodyReader reader)
    {
        string protocol = reader.String("protocol name");
        byte level = reader.Byte();
        if (protocol != "MQTT" && protocol != "MQIsdp") throw new MqttProtocolException($"unknown protocol name '{protocol}'");
        byte flags = reader.Byte();
        if ((flags & 1) != 0) throw new MqttProtocolException("CONNECT reserved flag is set");
        ushort keepAlive = reader.UInt16();
        string clientId = reader.String("client identifier");
        bool willFlag = (flags & 0x04) != 0;
        var willQos = (MqttQos)((flags >> 3) & 3);
        bool willRetain = (flags & 0x20) != 0;
        MqttWill? will = null;
        if (willFlag)
        {
            if (willQos > MqttQos.ExactlyOnce) throw new MqttProtocolException("will QoS 3 is invalid");
            string topic = reader.String("will topic");
            if (MqttTopic.ValidateTopicName(topic) is { } why) throw new MqttProtocolException(why);
            will = new MqttWill(topic, reader.Binary().ToArray(), willQos, willRetain);
        }
        else if (willQos != 0 || willRetain)
        {
            throw new MqttProtocolException("will QoS or retain set without the will flag");
        }
        bool hasUser = (flags & 0x80) != 0, hasPassword = (flags & 0x40) != 0;
        if (hasPassword && !hasUser) throw new MqttProtocolException("password flag set without the user name flag");
        string? user = hasUser ? reader.String("user name") : null;
        byte[]? password = hasPassword ? reader.Binary().ToArray() : null;
        return new ConnectPacket(clientId, (flags & 0x02) != 0, keepAlive, user, password, will, level);
    }

    private static PublishPacket DecodePublish(int flags, ref BodyReader reader)
    {
        var qos = (MqttQos)((flags >> 1) & 3);
        if (qos > MqttQos.ExactlyOnce) throw new MqttProtocolException("PUBLISH with QoS 3");
        bool dup = (flags & 8) != 0;
        if (dup && qos == MqttQos.AtMostOnce) throw new MqttProtocolException("PUBLISH QoS 0 with DUP set");
        string topic = reader.String("topic name");
        if (MqttTopic.ValidateTopicName(topic) is { } why) throw new MqttProtocolException(why);
        ushort id = qos > MqttQos.AtMostOnce ? reader.PacketId() : (ushort)0;
        return new PublishPacket(topic, reader.Rest().ToArray(), qos, (flags & 1) != 0, dup, id);
    }

    private static SubscribePacket DecodeSubscribe(ref BodyReader reader)
    {
        ushort id = reader.PacketId();
        var subscriptions = new List<TopicSubscription>();
        while (!reader.End)
        {
            string filter = reader.String("topic filter");
            if (MqttTopic.ValidateFilter(filter) is { } why) throw new MqttProtocolException(why);
            byte qos = reader.Byte();
            if (qos > 2) throw new MqttProtocolException($"SUBSCRIBE requested QoS byte 0x{qos:x2} is invalid");
            subscriptions.Add(new TopicSubscription(filter, (MqttQos)qos));
        }
        if (subscriptions.Count == 0) throw new MqttProtocolException("SUBSCRIBE without a topic filter");
        return new SubscribePacket(id, subscriptions);
    }

    /// <summary>Encodes <paramref name="packet"/> into a new array.</summary>
    public static byte[] Encode(MqttPacket packet)
    {
        var body = new BodyWriter();
        byte flags = 0;
        switch (packet)
        {
            case ConnectPacket c:
                body.String("MQTT");
                body.Byte(c.ProtocolLevel);
                int connectFlags = (c.CleanSession ? 0x02 : 0) | (c.Username is not null ? 0x80 : 0) | (c.Password is not null ? 0x40 : 0);
                if (c.Will is not null) connectFlags |= 0x04 | ((int)c.Will.Qos << 3) | (c.Will.Retain ? 0x20 : 0);
                body.Byte((byte)connectFlags);
                body.UInt16(c.KeepAliveSeconds);
                body.String(c.ClientId);
                if (c.Will is not null) { body.String(c.Will.Topic); body.Binary(c.Will.Payload); }
                if (c.Username is not null) body.String(c.Username);
                if (c.Password is not null) body.Binary(c.Password);
                break;
            case ConnAckPacket a: body.Byte((byte)(a.SessionPresent ? 1 : 0)); body.Byte((byte)a.ReturnCode); break;
            case PublishPacket p:
                flags = (byte)((p.Dup ? 8 : 0) | ((int)p.Qos << 1) | (p.Retain ? 1 : 0));
                body.String(p.Topic);
                if (p.Qos > MqttQos.AtMostOnce) body.UInt16(p.PacketId);
                body.Bytes(p.Payload.Span);
                break;
            case PacketIdPacket i:
                if (i.Kind == MqttPacketType.PubRel) flags = 2;
                body.UInt16(i.PacketId);
                break;
            case SubscribePacket s:
                flags = 2;
                body.UInt16(s.PacketId);
                foreach (TopicSubscription sub in s.Subscriptions) { body.String(sub.Filter); body.Byte((byte)sub.Qos); }
                break;
            case SubAckPacket s:
                body.UInt16(s.PacketId);
                foreach (byte code in s.ReturnCodes) body.Byte(code);
                break;
            case UnsubscribePacket u:
                flags = 2;
                body.UInt16(u.PacketId);
                foreach (string filter in u.Filters) body.String(filter);
                break;
            case EmptyPacket: break;
            default: throw new ArgumentException($"cannot encode {packet.GetType().Name}", nameof(packet));
        }
        return body.Frame((byte)((int)packet.Type << 4 | flags));
    }

    private ref struct BodyReader(ReadOnlySpan<byte> body)
    {
        private readonly ReadOnlySpan<byte> _body = body;
        private int _position;

        public readonly bool End => _position == _body.Length;
        public readonly int Remaining => _body.Length - _position;

        public byte Byte()
        {
            if (_position >= _body.Length) throw new MqttProtocolException("packet ends early");
            return _body[_position++];
        }

        public ushort UInt16()
        {
            if (Remaining < 2) throw new MqttProtocolException("packet ends early");
            ushort value = BinaryPrimitives.ReadUInt16BigEndian(_body[_position..]);
            _position += 2;
            return value;
        }

        public ushort PacketId()
        {
            ushort id = UInt16();
            if (id == 0) throw new MqttProtocolException("packet identifier 0 is invalid");
            return id;
        }

        public ReadOnlySpan<byte> Binary()
        {
            int length = UInt16();
            if (Remaining < length) throw new MqttProtocolException("a length-prefixed field runs past the end of the packet");
            ReadOnlySpan<byte> value = _body.Slice(_position, length);
            _position += length;
            return value;
        }

        public string String(string what)
        {
            ReadOnlySpan<byte> bytes = Binary();
            string value;
            try
            {
                value = StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw new MqttProtocolException($"the {what} is not valid UTF-8");
            }
            if (value.Contains('\0')) throw new MqttProtocolException($"the {what} contains U+0000");
            return value;
        }

        public ReadOnlySpan<byte> Rest()
        {
            ReadOnlySpan<byte> rest = _body[_position..];
            _position = _body.Length;
            return rest;
        }
    }

    private sealed class BodyWriter
    {
        private readonly List<byte> _bytes = new(64);

        public void Byte(byte value) => _bytes.Add(value);
        public void UInt16(ushort value) { _bytes.Add((byte)(value >> 8)); _bytes.Add((byte)value); }
        public void Bytes(ReadOnlySpan<byte> value) { foreach (byte b in value) _bytes.Add(b); }

        public void Binary(ReadOnlySpan<byte> value)
        {
            if (value.Length > ushort.MaxValue) throw new ArgumentException("a length-prefixed field holds at most 65535 bytes");
            UInt16((ushort)value.Length);
            Bytes(value);
        }

        public void String(string value) => Binary(StrictUtf8.GetBytes(value));

        public byte[] Frame(byte header)
        {
            int length = _bytes.Count;
            if (length > MaxRemainingLength) throw new ArgumentException("packet too large for MQTT");
            Span<byte> lengthBytes = stackalloc byte[4];
            int n = 0;
            do
            {
                byte digit = (byte)(length % 128);
                length /= 128;
                if (length > 0) digit |= 0x80;
                lengthBytes[n++] = digit;
            } while (length > 0);
            var frame = new byte[1 + n + _bytes.Count];
            frame[0] = header;
            lengthBytes[..n].CopyTo(frame.AsSpan(1));
            _bytes.CopyTo(frame, 1 + n);
            return frame;
        }
    }
}
