using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Client;

/// <summary>The broker's answer to CONNECT; a refusal is a result code, not an exception.</summary>
public sealed record MqttClientConnectResult(ConnectReturnCode ResultCode, bool IsSessionPresent)
{
    public bool IsSuccess => ResultCode == ConnectReturnCode.Accepted;
}

public sealed record MqttClientPublishResult(bool IsSuccess, ushort PacketId = 0, string? ReasonString = null);

/// <summary>Per filter, the granted QoS or <see cref="SubAckPacket.Failure"/>.</summary>
public sealed record MqttClientSubscribeResult(IReadOnlyList<byte> ReturnCodes);

public sealed class MqttApplicationMessageReceivedEventArgs(MqttApplicationMessage message, string clientId) : EventArgs
{
    public MqttApplicationMessage ApplicationMessage { get; } = message;
    public string ClientId { get; } = clientId;

    /// <summary>What the PUBACK of a QoS 1 message waits for besides the handler's return; null: nothing more.</summary>
    internal Task? Handled { get; private set; }

    /// <summary>
    /// Delays this QoS 1 message's PUBACK until <paramref name="handled"/> completes (say, the message's row is
    /// committed), without holding up the next messages: they keep arriving, and PUBACKs still leave in the order
    /// of arrival. Faulted counts as handled (the failure is the handler's to report); cancelled is never
    /// acknowledged, so the broker delivers the message again on the next connection.
    /// </summary>
    public void AcknowledgeWhen(Task handled)
    {
        ArgumentNullException.ThrowIfNull(handled);
        Handled = Handled is null ? handled : Task.WhenAll(Handled, handled);
    }
}

public sealed class MqttClientDisconnectedEventArgs(string reason, bool clientInitiated, Exception? exception) : EventArgs
{
    public string Reason { get; } = reason;
    public bool ClientWasConnected { get; init; } = true;
    public bool ClientInitiated { get; } = clientInitiated;
    public Exception? Exception { get; } = exception;
}

public sealed class MqttClientConnectedEventArgs(MqttClientConnectResult result) : EventArgs
{
    public MqttClientConnectResult ConnectResult { get; } = result;
}
