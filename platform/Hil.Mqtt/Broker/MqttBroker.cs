using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>
/// The embedded MQTT 3.1.1 broker: QoS 0/1, retained messages, wildcards, last will, persistent
/// sessions with queued QoS 1 messages, client-id takeover, authentication and per-client ACL
/// hooks, and two harness hooks: observe (every message with receive and deliver timestamps)
/// and perturb (drop, delay, duplicate, reorder). Stop and start again keep sessions and
/// retained messages, as a broker restart with persistence does.
/// </summary>
/// <remarks>
/// Every connection is an async receive loop plus an async send loop over its own queue; no
/// thread is held per client. Sessions, subscriptions and retained messages live in
/// <see cref="BrokerCore"/>, which is created once and outlives the listener.
/// </remarks>
public sealed class MqttBroker : IAsyncDisposable
{
    /// <summary>The sender id of messages published through <see cref="PublishAsync"/>.</summary>
    public const string HarnessClientId = "$harness";

    private readonly MqttBrokerOptions _options;
    private readonly BrokerCore _core;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly ConcurrentDictionary<BrokerConnection, byte> _connections = new();
    private Socket? _listener;
    private Task _accepting = Task.CompletedTask;
    private int _port;
    private bool _disposed;

    public MqttBroker(MqttBrokerOptions? options = null)
    {
        _options = options ?? new MqttBrokerOptions();
        _options.Limits.Validate(nameof(options));
        _core = new BrokerCore(_options);
        _port = _options.Port;
    }

    /// <summary>The port it listens on (the chosen one when the options said 0); kept across restarts.</summary>
    public int Port => _port;

    public bool IsRunning => Volatile.Read(ref _listener) is not null;

    public IReadOnlyCollection<string> ConnectedClientIds => _core.ConnectedClientIds;

    /// <summary>Observe hook: called for every message received and for every delivery.</summary>
    public Action<BrokerMessageEvent>? Observe { get => _core.Observe; set => _core.Observe = value; }

    /// <summary>Perturb hook: decides per delivery (default: deliver).</summary>
    public Func<PendingDelivery, DeliveryAction>? Perturb { get => _core.Perturb; set => _core.Perturb = value; }

    /// <summary>The subscriptions of a client's session (connected or persisted offline); empty when it has none.</summary>
    public IReadOnlyList<TopicSubscription> GetSubscriptions(string clientId) =>
        _core.FindSession(clientId)?.Subscriptions ?? [];

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_listener is not null) return;
            var listener = new Socket(_options.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                // A restart binds the same port again at once, though old connections sit in TIME_WAIT.
                listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                listener.Bind(new IPEndPoint(_options.Address, _port));
                listener.Listen(8192);
            }
            catch (SocketException e)
            {
                listener.Dispose();
                throw new IOException($"the MQTT broker cannot listen on {_options.Address}:{_port}: {e.Message}", e);
            }
            _port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            _listener = listener;
            _accepting = AcceptAsync(listener);
            _core.Log($"listening on {_options.Address}:{_port}");
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Closes every connection (no wills published) and stops listening; sessions and retained messages stay.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_listener is not { } listener) return;
            Volatile.Write(ref _listener, null);
            listener.Dispose();
            await _accepting.ConfigureAwait(false);
            foreach (BrokerConnection connection in _connections.Keys) connection.Close("broker stopping", publishWill: false);
            await Task.WhenAll(_connections.Keys.Select(c => c.Completion)).WaitAsync(cancellationToken).ConfigureAwait(false);
            _core.Log($"stopped listening on {_options.Address}:{_port}");
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Drops one client's connection as a network failure would (its will is published). No-op when it is not connected.</summary>
    public async Task DisconnectClientAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        if (_core.FindConnection(clientId) is not { } connection) return;
        connection.Close("dropped by the harness (simulated network failure)", publishWill: true);
        await connection.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes a message from the harness itself (sender id "$harness").</summary>
    public Task PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (MqttTopic.ValidateTopicName(message.Topic) is { } why) throw new ArgumentException(why, nameof(message));
        cancellationToken.ThrowIfCancellationRequested();
        _core.Router.Route(new BrokerMessage(HarnessClientId, message.Topic, message.Payload.ToArray(), message.Qos, message.Retain,
            _options.TimeProvider.GetUtcNow()));
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await StopAsync().ConfigureAwait(false);
        _disposed = true;
        _core.Router.CancelDelayed();
    }

    private async Task AcceptAsync(Socket listener)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException || (e is SocketException && !IsRunning))
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of file descriptors and the like: report, pause briefly, and keep serving the connections there are.
                _core.Warn($"accept failed: {e.Message}");
                await Task.Delay(TimeSpan.FromMilliseconds(100), _options.TimeProvider).ConfigureAwait(false);
                continue;
            }
            socket.NoDelay = true;
            var connection = new BrokerConnection(_core, socket, c => _connections.TryRemove(c, out _));
            _connections[connection] = 0;
            connection.Start();
        }
    }
}
