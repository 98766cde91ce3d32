using System.Net;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>Who is connecting, for the authentication hook.</summary>
public sealed record MqttConnectContext(string ClientId, string? Username, byte[]? Password, EndPoint? RemoteEndPoint);

/// <summary>A client asking to publish to, or subscribe to, a topic (or filter), for the ACL hook.</summary>
public sealed record MqttTopicAccess(string ClientId, string? Username, string TopicOrFilter, bool IsSubscribe);

public sealed record MqttBrokerOptions
{
    /// <summary>Loopback by default: the harness never listens beyond this machine unless told to.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>0 picks a free port (see <see cref="MqttBroker.Port"/> after start).</summary>
    public int Port { get; init; }

    public int MaxPacketSize { get; init; } = MqttPacketReader.DefaultMaxPacketSize;

    /// <summary>Authentication: Accepted, or the CONNACK code to refuse with. Default: accept everyone.</summary>
    public Func<MqttConnectContext, ValueTask<ConnectReturnCode>>? Authenticate { get; init; }

    /// <summary>Per-client topic ACL: false refuses (publish dropped and logged; subscribe answered 0x80). Default: allow.</summary>
    public Func<MqttTopicAccess, bool>? Authorize { get; init; }

    /// <summary>Most QoS 1 messages queued per offline persistent session (oldest dropped beyond, and logged).</summary>
    public int MaxQueuedMessagesPerSession { get; init; } = 10_000;

    /// <summary>Most QoS 1 messages sent to one client and not yet acknowledged; more wait in the session's queue (below 65535).</summary>
    public int MaxInflightMessages { get; init; } = 1000;

    /// <summary>Bytes one connection may have waiting to be written: QoS 0 beyond it is dropped; a peer far beyond it is disconnected.</summary>
    public long MaxQueuedBytesPerConnection { get; init; } = 8 * 1024 * 1024;

    /// <summary>How long a new connection has to send CONNECT.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where the broker reports closed connections and refusals, with their reasons.</summary>
    public Action<string>? Log { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
