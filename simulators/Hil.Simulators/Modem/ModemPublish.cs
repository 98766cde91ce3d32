namespace Hil.Simulators.Modem;

/// <summary>One message the node published through the modem.</summary>
public sealed record ModemPublish(string Topic, byte[] Payload, int Qos, bool Retain, DateTimeOffset At)
{
    /// <summary>The modem's MQTT session it went out on (<see cref="EspAtModem.MqttSession"/> at the time).</summary>
    public int Session { get; init; }

    public string Text => System.Text.Encoding.UTF8.GetString(Payload);
}
