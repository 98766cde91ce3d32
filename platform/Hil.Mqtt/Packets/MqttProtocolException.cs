namespace Hil.Mqtt.Packets;

/// <summary>Bytes that are not valid MQTT 3.1.1; the message says which rule they broke.</summary>
public sealed class MqttProtocolException(string reason) : Exception(reason)
{
    public string Reason => Message;
}
