namespace Hil.Simulators.Modem;

/// <summary>One message the node published through the modem.</summary>
public sealed record ModemPublish(string Topic, byte[] Payload, int Qos, bool Retain, DateTimeOffset At)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Payload);
}
