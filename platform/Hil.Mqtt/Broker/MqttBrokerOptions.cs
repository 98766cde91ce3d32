using System.Net;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>Who is connecting, for the authentication hook.</summary>
public sealed record MqttConnectContext(string ClientId, string? Username, byte[]? Password, EndPoint? RemoteEndPoint);

/// <summary>
/// The authentication hook's answer: accept (optionally with bounds of its own for this client) or refuse with a CONNACK
/// code and the reason the broker reports (never a secret).
/// </summary>
public readonly record struct ConnectDecision(ConnectReturnCode Code, string? Reason = null, BrokerClientLimits? Limits = null)
{
    public static ConnectDecision Accept(BrokerClientLimits? limits = null) => new(ConnectReturnCode.Accepted, null, limits);
    public static ConnectDecision Refuse(ConnectReturnCode code, string reason) => new(code, reason);
    public static implicit operator ConnectDecision(ConnectReturnCode code) => new(code);
}

/// <summary>A client asking to publish to, or subscribe to, a topic (or filter), for the ACL hook.</summary>
public sealed record MqttTopicAccess(string ClientId, string? Username, string TopicOrFilter, bool IsSubscribe);

public enum BrokerRefusalKind { Connect, Publish, Subscribe }

/// <summary>Something the broker refused a client, for the <see cref="MqttBrokerOptions.Refused"/> hook (never a password).</summary>
public sealed record BrokerRefusal(BrokerRefusalKind Kind, string ClientId, string? Username, string Reason, string RemoteEndPoint);

/// <summary>
/// What one client may make the broker hold for it; memory per client is bounded by these whatever it does (reads
/// nothing, floods, publishes huge packets). Excess QoS 1 beyond the queue is dropped, oldest first, and counted; a
/// client over its unacknowledged publishes is not read from until the durable subscriber catches up.
/// </summary>
public sealed record BrokerClientLimits
{
    /// <summary>Largest packet the client may send (CONNECT itself is read with the broker's default limits).</summary>
    public int MaxPacketSize { get; init; } = MqttPacketReader.DefaultMaxPacketSize;

    /// <summary>QoS 1 messages sent to the client and not yet acknowledged; more wait in its session's queue (below 65535).</summary>
    public int MaxInflightMessages { get; init; } = 1000;

    /// <summary>Bytes of those messages in flight (one message is always allowed, whatever its size).</summary>
    public long MaxInflightBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>QoS 1 messages queued in the client's session (offline, or its in-flight window full); beyond, the oldest is dropped.</summary>
    public int MaxQueuedMessages { get; init; } = 10_000;

    /// <summary>Bytes of those queued messages; beyond, the oldest is dropped.</summary>
    public long MaxQueuedBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Bytes waiting to be written to the connection: QoS 0 beyond it is dropped; a peer far beyond it is disconnected.</summary>
    public long MaxSendBufferBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>
    /// The client's QoS 1 publishes waiting for the durable subscriber's acknowledgement (<see cref="MqttBrokerOptions.DurableSubscriber"/>)
    /// before the broker reads no more from it (TCP back-pressure, as a full disk would give a broker that persists).
    /// </summary>
    public int MaxUnacknowledgedPublishes { get; init; } = 1000;

    /// <summary>Bytes of those publishes.</summary>
    public long MaxUnacknowledgedBytes { get; init; } = 64L * 1024 * 1024;

    internal void Validate(string name)
    {
        if (MaxInflightMessages is < 1 or > 60_000)
            throw new ArgumentOutOfRangeException(name, MaxInflightMessages, "MaxInflightMessages must be between 1 and 60000");
        if (MaxPacketSize < 16)
            throw new ArgumentOutOfRangeException(name, MaxPacketSize, "MaxPacketSize must be at least 16 bytes");
        if (MaxQueuedMessages < 0 || MaxQueuedBytes < 0 || MaxInflightBytes < 1 || MaxSendBufferBytes < 1 || MaxUnacknowledgedPublishes < 1 || MaxUnacknowledgedBytes < 1)
            throw new ArgumentOutOfRangeException(name, "queue bounds must not be negative and window bounds must be positive");
    }
}

public sealed record MqttBrokerOptions
{
    /// <summary>Loopback by default: the harness never listens beyond this machine unless told to.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>0 picks a free port (see <see cref="MqttBroker.Port"/> after start).</summary>
    public int Port { get; init; }

    /// <summary>Authentication: accept (with limits of its own, if any) or refuse with a code and a reason. Default: accept everyone.</summary>
    public Func<MqttConnectContext, ValueTask<ConnectDecision>>? Authenticate { get; init; }

    /// <summary>Per-client topic ACL: false refuses (publish dropped and reported; subscribe answered 0x80). Default: allow.</summary>
    public Func<MqttTopicAccess, bool>? Authorize { get; init; }

    /// <summary>The bounds of every client the authentication hook gives none of its own.</summary>
    public BrokerClientLimits Limits { get; init; } = new();

    /// <summary>
    /// The client id of the subscriber that makes a message durable (a backend that acknowledges once it has stored it).
    /// When set, a QoS 1 publish that this client's session subscribes to is acknowledged to its publisher only once
    /// this client has acknowledged its copy, in the order the publisher sent them (MQTT 4.6): a PUBACK then means
    /// "stored", not "in the broker's memory". Publishes it does not subscribe to are acknowledged at once.
    /// </summary>
    public string? DurableSubscriber { get; init; }

    /// <summary>How long a new connection has to send CONNECT.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where the broker reports connections, closes and refusals, with their reasons.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// The subset of <see cref="Log"/> an operator must see: messages dropped over a client's bounds (one line per episode),
    /// QoS 0 lost to a slow consumer, a hook that threw, a failed accept.
    /// </summary>
    public Action<string>? Warn { get; init; }

    /// <summary>
    /// Every refusal, structured: a CONNECT refused, a publish dropped or a subscription refused by the ACL (each topic
    /// once per connection; the count is in the close line). Called on the connection's own flow: keep it quick.
    /// </summary>
    public Action<BrokerRefusal>? Refused { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
