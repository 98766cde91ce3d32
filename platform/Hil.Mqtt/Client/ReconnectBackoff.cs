namespace Hil.Mqtt.Client;

/// <summary>Exponential backoff between reconnect attempts: doubles up to a ceiling.</summary>
internal static class ReconnectBackoff
{
    public static TimeSpan Next(TimeSpan current, TimeSpan max)
    {
        TimeSpan doubled = current * 2;
        return doubled > max ? max : doubled;
    }
}
