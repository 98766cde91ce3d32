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
/// </summary>
public sealed class BrokerAccess(IBackendStore store, Provisioning provisioning)
{
    public const string BackendUser = "hil-backend";
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

    public async ValueTask<ConnectReturnCode> AuthenticateAsync(MqttConnectContext connect)
    {
        if (connect.Username == BackendUser)
            return connect.Password is { } p && CryptographicOperations.FixedTimeEquals(p, BackendSecret) ? ConnectReturnCode.Accepted : ConnectReturnCode.BadUsernameOrPassword;
        // Open provisioning is for development: any device connects, with or without credentials.
        if (provisioning == Provisioning.Open) return ConnectReturnCode.Accepted;
        if (connect.Password is null) return ConnectReturnCode.NotAuthorized;
        try
        {
            var key = await store.FindApiKeyAsync(ApiKeys.Hash(Encoding.UTF8.GetString(connect.Password)));
            if (key is not { RevokedAt: null } || key.NodeId != connect.Username) return ConnectReturnCode.BadUsernameOrPassword;
            _keyOfClient[connect.ClientId] = key.Id;
            return ConnectReturnCode.Accepted;
        }
        catch (StoreUnavailableException)
        {
            return ConnectReturnCode.ServerUnavailable;
        }
    }

    public bool Authorize(MqttTopicAccess access)
    {
        if (access.Username == BackendUser || provisioning == Provisioning.Open) return true;
        if (access.Username is null) return false;
        return access.TopicOrFilter.StartsWith($"devices/{access.Username}/", StringComparison.Ordinal);
    }
}
