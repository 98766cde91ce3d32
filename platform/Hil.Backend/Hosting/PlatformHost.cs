using Hil.Backend.Ingest;
using Hil.Backend.Storage;
using Hil.Mqtt.Broker;
using Hil.Mqtt.Client;

namespace Hil.Backend.Hosting;

/// <summary>
/// Broker + backend, as `hil platform up` runs them: the embedded broker (or an external one) and the backend
/// connected to it. Tests and `hil bench ingest` use the same composition.
/// </summary>
public sealed class PlatformHost : IAsyncDisposable
{
    private readonly MqttBroker? _broker;
    private readonly IBackendStore _accessStore;
    private readonly BrokerWarningLog? _refusals;
    private int _disposed;

    private PlatformHost(BackendHost backend, MqttBroker? broker, IBackendStore accessStore, BrokerWarningLog? refusals, string mqttHost, int mqttPort) =>
        (Backend, _broker, _accessStore, _refusals, MqttHost, MqttPort) = (backend, broker, accessStore, refusals, mqttHost, mqttPort);

    /// <summary>The backend's MQTT client id (a persistent session on the broker, reserved to the backend's credentials).</summary>
    public const string BackendClientId = BrokerAccess.BackendClientId;

    public BackendHost Backend { get; }
    public string MqttHost { get; }
    public int MqttPort { get; }
    public MqttBroker? Broker => _broker;

    /// <param name="externalBroker">mqtt://HOST:PORT of a broker to use instead of starting ours.</param>
    public static async Task<PlatformHost> StartAsync(BackendOptions options, string mqttHost = "127.0.0.1", int mqttPort = 0,
        Uri? externalBroker = null, CancellationToken cancellationToken = default)
    {
        // The broker's access checks need the store before the backend exists: a store of its own, same database.
        IBackendStore accessStore = options.PostgresConnectionString is { } pg ? new PostgresStore(pg)
            : new SqliteStore(Path.Combine(Directory.CreateDirectory(options.DataDirectory).FullName, "hil.db"));
        var access = new BrokerAccess(accessStore, options.Provisioning);
        MqttBroker? broker = null;
        BrokerWarningLog? refusals = null;
        string host = externalBroker?.Host ?? mqttHost;
        int port = externalBroker is null ? mqttPort : externalBroker.Port > 0 ? externalBroker.Port : 1883;
        try
        {
            if (externalBroker is null)
            {
                refusals = new BrokerWarningLog(options);
                broker = new MqttBroker(new MqttBrokerOptions
                {
                    Address = System.Net.IPAddress.Parse(mqttHost), Port = mqttPort, TimeProvider = options.Time,
                    Authenticate = access.AuthenticateAsync, Authorize = access.Authorize, Refused = refusals.Report, Warn = refusals.Warn,
                    // Every client gets the device bounds unless it logs in as the backend.
                    Limits = BrokerAccess.DeviceLimits,
                    // The backend acknowledges a message once its row (or dead letter) is committed, and a device's
                    // PUBACK waits for that: a PUBACK means "stored", so a crash loses nothing a device was told was kept.
                    DurableSubscriber = BackendClientId,
                });
                await broker.StartAsync(cancellationToken);
                port = broker.Port;
            }
            var clientOptions = new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId(BackendClientId)
                .WithCredentials(BrokerAccess.BackendUser, externalBroker is null ? System.Text.Encoding.ASCII.GetString(access.BackendSecret) : null)
                // A persistent session: the broker keeps it across a restart (or our own reconnect) and
                // queues what the nodes publish meanwhile, so no reading is lost.
                .WithCleanSession(false)
                .WithAutoReconnect(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2)).WithTimeProvider(options.Time).Build();
            var backend = await BackendHost.StartAsync(options with
            {
                DeviceLink = sp => new MqttDeviceLink(clientOptions, sp.GetRequiredService<ILogger<MqttDeviceLink>>()),
                ApiKeyRevoked = broker is null ? options.ApiKeyRevoked : async (keyId, ct) =>
                {
                    foreach (string client in access.TakeClientsUsing(keyId)) await broker.DisconnectClientAsync(client, ct);
                    if (options.ApiKeyRevoked is { } also) await also(keyId, ct);
                },
            }, cancellationToken);
            return new PlatformHost(backend, broker, accessStore, refusals, host, port);
        }
        catch
        {
            if (broker is not null) await broker.DisposeAsync();
            refusals?.Dispose();
            await accessStore.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await Backend.DisposeAsync();
        if (_broker is not null) await _broker.DisposeAsync();
        _refusals?.Dispose();
        await _accessStore.DisposeAsync();
    }
}
