namespace Hil.Simulators.Modem;

public enum ModemEventKind
{
    /// <summary>A complete AT command line the node sent.</summary>
    Command,
    /// <summary>Something the modem told the node unasked: <c>WIFI DISCONNECT</c>, <c>+MQTTDISCONNECTED:0</c>.</summary>
    Notice,
}

/// <summary>One entry of the modem's timeline, with the node's device time when the clock can tell it (null otherwise).</summary>
public sealed record ModemEvent(TimeSpan? DeviceTime, ModemEventKind Kind, string Text)
{
    public override string ToString() => $"{(DeviceTime is { } t ? $"{t.TotalMilliseconds:0} ms" : "?")} {(Kind == ModemEventKind.Command ? ">" : "<")} {Text}";
}
