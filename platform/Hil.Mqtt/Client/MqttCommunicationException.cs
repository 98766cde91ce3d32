namespace Hil.Mqtt.Client;

/// <summary>
/// The connection to the broker failed in a way nobody expected (refused, reset, closed mid-exchange).
/// An <see cref="IOException"/>, so callers that already handle I/O failures handle this one too.
/// </summary>
public sealed class MqttCommunicationException(string message, Exception? innerException = null)
    : IOException(message, innerException);
