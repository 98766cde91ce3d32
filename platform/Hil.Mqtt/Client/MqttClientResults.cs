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
