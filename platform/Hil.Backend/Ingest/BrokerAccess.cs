using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Hil.Backend.Hosting;
using Hil.Backend.Security;
using Hil.Backend.Storage;
using Hil.Mqtt.Broker;
using Hil.Mqtt.Packets;

namespace Hil.Backend.Ingest;

/// <summary>
/// The embedded broker's connect and topic checks. Devices log in with their node id as user name and their
/// API key as password (looked up at connect, so a revoked key is refused on its next connection); a device
/// may only use its own `devices/{id}/...` topics. In provisioning `open` (development) any client may connect and use any topic.
/// Client ids: the backend's is reserved to the backend's credentials; in `keys` a device's client id is its node id
/// (or starts with `{node}-`), so no device can take, resume or squat another's session (the broker also binds every
/// session to the user name that created it). Devices get <see cref="DeviceLimits"/>; only the backend gets <see cref="BackendLimits"/>.
/// </summary>
public sealed class BrokerAccess(IBackendStore store, Provisioning provisioning)
{
    public const string BackendUser = "hil-backend";
    public const string BackendClientId = "hil-backend";

    /// <summary>
    /// What one device connection may make the broker hold (README "Per-device limits"): far more than a node needs (it
    /// publishes a reading every few seconds and receives commands of at most 512 bytes), small enough that a thousand
    /// misbehaving connections stay within a few GiB.
    /// </summary>
    public static readonly BrokerClientLimits DeviceLimits = new()
    {
        MaxPacketSize = 256 * 1024,
        MaxInflightMessages = 100, MaxInflightBytes = 1024 * 1024,
        MaxQueuedMessages = 1000, MaxQueuedBytes = 1024 * 1024,
        MaxSendBufferBytes = 256 * 1024,
        MaxUnacknowledgedPublishes = 1000, MaxUnacknowledgedBytes = 1024 * 1024,
    };

    /// <summary>
    /// The backend's one session absorbs every node's burst: a queue the default bounds would overflow whenever many nodes
    /// publish faster than one batch commit. Its in-flight window is what it can have queued and batched at once, waiting
    /// for their commit (throughput ≈ window / commit time).
    /// </summary>
    public static readonly BrokerClientLimits BackendLimits = new()
    {
        MaxPacketSize = MqttPacketReader.DefaultMaxPacketSize,
        MaxInflightMessages = 20_000, MaxInflightBytes = 512L * 1024 * 1024,
        MaxQueuedMessages = 1_000_000, MaxQueuedBytes = 1024L * 1024 * 1024,
        MaxSendBufferBytes = 512L * 1024 * 1024,
    };

    /// <summary>A fresh secret per run for the backend's own connection; never logged or printed.</summary>
    public byte[] BackendSecret { get; } = Encoding.ASCII.GetBytes(ApiKeys.Base64Url(RandomNumberGenerator.GetBytes(24)));

    // The key each connected device client logged in with, so revoking a key can end its open sessions.
    private readonly ConcurrentDictionary<string, string> _keyOfClient = new();

    /// <summary>Client ids whose last accepted login used <paramref name="keyId"/> (forgotten here: the key is being revoked).</summary>
    public IReadOnlyList<string> TakeClientsUsing(string keyId)
    {
        var clients = _keyOfClient.Where(e => e.Value == keyId).Select(e => e.Key).ToList();
        foreach (string client in clients) _keyOfClient.TryRemove(new KeyValuePair<string, string>(client, keyId));
        return clients;
    }

    public async ValueTask<ConnectDecision> AuthenticateAsync(MqttConnectContext connect)
    {
        if (connect.Username == BackendUser)
            return connect.Password is { } p && CryptographicOperations.FixedTimeEquals(p, BackendSecret)
                ? ConnectDecision.Accept(BackendLimits)
                : ConnectDecision.Refuse(ConnectReturnCode.BadUsernameOrPassword, "wrong password for the backend's user");
        if (connect.ClientId == BackendClientId)
            return ConnectDecision.Refuse(ConnectReturnCode.NotAuthorized, $"client id '{BackendClientId}' is reserved to the backend");
        // Open provisioning is for development: any device connects, with or without credentials.
        if (provisioning == Provisioning.Open) return ConnectDecision.Accept(DeviceLimits);
        if (connect.Password is null)
            return ConnectDecision.Refuse(ConnectReturnCode.NotAuthorized, "provisioning 'keys': a device logs in with its node id and API key");
        try
        {
            var key = await store.FindApiKeyAsync(ApiKeys.Hash(Encoding.UTF8.GetString(connect.Password)));
            if (key is not { RevokedAt: null } || key.NodeId != connect.Username)
                return ConnectDecision.Refuse(ConnectReturnCode.BadUsernameOrPassword, "unknown or revoked API key, or a key of another node");
            if (connect.ClientId != key.NodeId && !connect.ClientId.StartsWith(key.NodeId + "-", StringComparison.Ordinal))
                return ConnectDecision.Refuse(ConnectReturnCode.NotAuthorized,
                    $"provisioning 'keys': node {key.NodeId}'s client id must be '{key.NodeId}' or start with '{key.NodeId}-'");
            _keyOfClient[connect.ClientId] = key.Id;
            return ConnectDecision.Accept(DeviceLimits);
        }
        catch (StoreUnavailableException)
        {
            return ConnectDecision.Refuse(ConnectReturnCode.ServerUnavailable, "the database is unavailable");
        }
    }

    public bool Authorize(MqttTopicAccess access)
    {
        if (access.Username == BackendUser || provisioning == Provisioning.Open) return true;
        if (access.Username is null) return false;
        return access.TopicOrFilter.StartsWith($"devices/{access.Username}/", StringComparison.Ordinal);
    }
}
