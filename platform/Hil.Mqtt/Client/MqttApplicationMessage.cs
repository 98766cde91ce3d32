using System.Text;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Client;

/// <summary>A message as applications see it (MQTTnet's name for the same thing).</summary>
public sealed record MqttApplicationMessage(string Topic, ReadOnlyMemory<byte> Payload, MqttQos Qos = MqttQos.AtMostOnce, bool Retain = false)
{
    public MqttApplicationMessage(string topic, string payload, MqttQos qos = MqttQos.AtMostOnce, bool retain = false)
        : this(topic, Encoding.UTF8.GetBytes(payload), qos, retain) { }

    public string PayloadText => Encoding.UTF8.GetString(Payload.Span);
}
