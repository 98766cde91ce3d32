namespace Hil.Mqtt.Packets;

/// <summary>MQTT 3.1.1 control packet types (the high nibble of the first byte).</summary>
public enum MqttPacketType : byte
{
    Connect = 1, ConnAck = 2, Publish = 3, PubAck = 4, PubRec = 5, PubRel = 6, PubComp = 7,
    Subscribe = 8, SubAck = 9, Unsubscribe = 10, UnsubAck = 11, PingReq = 12, PingResp = 13, Disconnect = 14,
}

public enum MqttQos : byte { AtMostOnce = 0, AtLeastOnce = 1, ExactlyOnce = 2 }

/// <summary>CONNACK return codes (MQTT 3.1.1, 3.2.2.3).</summary>
public enum ConnectReturnCode : byte
{
    Accepted = 0,
    UnacceptableProtocolVersion = 1,
    IdentifierRejected = 2,
    ServerUnavailable = 3,
    BadUsernameOrPassword = 4,
    NotAuthorized = 5,
}

public abstract record MqttPacket
{
    public abstract MqttPacketType Type { get; }
}

/// <summary>A last will: published by the broker when the client goes away without DISCONNECT.</summary>
public sealed record MqttWill(string Topic, byte[] Payload, MqttQos Qos, bool Retain);

public sealed record ConnectPacket(
    string ClientId,
    bool CleanSession,
    ushort KeepAliveSeconds,
    string? Username = null,
    byte[]? Password = null,
    MqttWill? Will = null,
    byte ProtocolLevel = 4) : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Connect;
}

public sealed record ConnAckPacket(bool SessionPresent, ConnectReturnCode ReturnCode) : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.ConnAck;
}

public sealed record PublishPacket(
    string Topic,
    ReadOnlyMemory<byte> Payload,
    MqttQos Qos = MqttQos.AtMostOnce,
    bool Retain = false,
    bool Dup = false,
    ushort PacketId = 0) : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Publish;
}

/// <summary>PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK: a type and a packet identifier.</summary>
public sealed record PacketIdPacket(MqttPacketType Kind, ushort PacketId) : MqttPacket
{
    public override MqttPacketType Type => Kind;
}

public sealed record TopicSubscription(string Filter, MqttQos Qos);

public sealed record SubscribePacket(ushort PacketId, IReadOnlyList<TopicSubscription> Subscriptions) : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Subscribe;
}

/// <summary>SUBACK: per subscription the granted QoS, or 0x80 for failure.</summary>
public sealed record SubAckPacket(ushort PacketId, IReadOnlyList<byte> ReturnCodes) : MqttPacket
{
    public const byte Failure = 0x80;
    public override MqttPacketType Type => MqttPacketType.SubAck;
}

public sealed record UnsubscribePacket(ushort PacketId, IReadOnlyList<string> Filters) : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Unsubscribe;
}

/// <summary>PINGREQ, PINGRESP and DISCONNECT carry nothing but their type.</summary>
public sealed record EmptyPacket(MqttPacketType Kind) : MqttPacket
{
    public static readonly EmptyPacket PingReq = new(MqttPacketType.PingReq);
    public static readonly EmptyPacket PingResp = new(MqttPacketType.PingResp);
    public static readonly EmptyPacket Disconnect = new(MqttPacketType.Disconnect);
    public override MqttPacketType Type => Kind;
}
