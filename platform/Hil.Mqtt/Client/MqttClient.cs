using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Client;

/// <summary>
/// An async MQTT 3.1.1 client shaped like MQTTnet's IMqttClient: QoS 0, 1 and 2, keep-alive,
/// clean and persistent sessions, last will, wildcard subscriptions, automatic reconnect with
/// backoff, a bounded in-flight window. No thread per client: one receive-loop task and one
/// timer per connection, so a process can hold tens of thousands of them.
/// </summary>
/// <remarks>
/// Handlers of <see cref="ApplicationMessageReceivedAsync"/> run on the receive loop, one message
/// at a time and in order; a QoS 1 message is acknowledged once its handler has completed (or, when the
/// handler called <see cref="MqttApplicationMessageReceivedEventArgs.AcknowledgeWhen"/>, once that task has). A
/// handler must therefore not wait for an acknowledgement of its own (a QoS 1 publish awaited
/// inside it waits for a PUBACK the blocked loop cannot read): start such work and return.
/// </remarks>
public sealed class MqttClient : IAsyncDisposable
{
    private readonly object _gate = new();
    private MqttConnection? _connection;
    private MqttClientSession? _session;
    private MqttClientOptions? _options;
    private CancellationTokenSource _stopped = new();
    private bool _reconnecting;
    private bool _disposed;

    public bool IsConnected
    {
        get { lock (_gate) return _connection is not null; }
    }

    public MqttClientOptions? Options
    {
        get { lock (_gate) return _options; }
    }

    public event Func<MqttApplicationMessageReceivedEventArgs, Task>? ApplicationMessageReceivedAsync;
    public event Func<MqttClientConnectedEventArgs, Task>? ConnectedAsync;
    public event Func<MqttClientDisconnectedEventArgs, Task>? DisconnectedAsync;

    /// <summary>Connects; an unreachable broker or a timeout throws, a CONNACK refusal is a result code.</summary>
    public async Task<MqttClientConnectResult> ConnectAsync(MqttClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is not null || _reconnecting)
                throw new InvalidOperationException($"The MQTT client '{_options?.ClientId}' is already connected to {_options?.Host}:{_options?.Port}; disconnect first.");
            _options = options;
            _session = new MqttClientSession(options.MaxInFlight);
            _stopped = new CancellationTokenSource();
        }
        return await ConnectCoreAsync(options, _session, isReconnect: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>QoS 0 completes when written; QoS 1 when PUBACK arrives (waits for a free in-flight slot first); QoS 2 at PUBCOMP.</summary>
    /// <remarks>The wait for the acknowledgement has no timeout of its own: a dead broker is detected by the keep-alive, a slow one applies back-pressure.</remarks>
    public async Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (MqttTopic.ValidateTopicName(message.Topic) is { } invalid) throw new ArgumentException(invalid, nameof(message));
        if (message.Qos > MqttQos.ExactlyOnce) throw new ArgumentOutOfRangeException(nameof(message), $"QoS {(int)message.Qos} does not exist");
        (MqttConnection connection, MqttClientSession session, CancellationToken stopped) = ThrowIfNotConnected("publish");
        if (message.Qos == MqttQos.AtMostOnce)
        {
            await connection.SendAsync(new PublishPacket(message.Topic, message.Payload, message.Qos, message.Retain), cancellationToken).ConfigureAwait(false);
            return new MqttClientPublishResult(true);
        }

        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopped))
        {
            try
            {
                await session.Window.WaitAsync(waiting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"The MQTT client '{connection.Endpoint}' was disconnected while the publish to '{message.Topic}' waited for an in-flight slot.");
            }
        }
        // The slot is now held by the in-flight entry and is released when it completes or fails.
        InFlightPublish entry = session.AddInFlight(id => new PublishPacket(message.Topic, message.Payload, message.Qos, message.Retain, false, id));
        connection = CurrentConnection() ?? connection;
        try
        {
            // Not cancellable once registered: the caller may stop waiting, but the publish stays in flight.
            await connection.SendAsync(entry.Packet, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MqttCommunicationException e)
        {
            // The entry stays in flight: a reconnect resends it, or the end of the session fails it.
            await connection.LoseAsync($"cannot send PUBLISH to {connection.Endpoint}", e).ConfigureAwait(false);
        }
        await entry.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new MqttClientPublishResult(true, entry.Packet.PacketId);
    }

    public async Task<MqttClientSubscribeResult> SubscribeAsync(IReadOnlyList<TopicSubscription> subscriptions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        if (subscriptions.Count == 0) throw new ArgumentException("at least one subscription is needed", nameof(subscriptions));
        foreach (TopicSubscription subscription in subscriptions)
        {
            if (MqttTopic.ValidateFilter(subscription.Filter) is { } invalid) throw new ArgumentException(invalid, nameof(subscriptions));
            if (subscription.Qos > MqttQos.ExactlyOnce) throw new ArgumentOutOfRangeException(nameof(subscriptions), $"QoS {(int)subscription.Qos} does not exist");
        }
        (MqttConnection connection, MqttClientSession session, _) = ThrowIfNotConnected("subscribe");
        return await SubscribeCoreAsync(connection, session, subscriptions, cancellationToken).ConfigureAwait(false);
    }

    public Task<MqttClientSubscribeResult> SubscribeAsync(string filter, MqttQos qos = MqttQos.AtMostOnce, CancellationToken cancellationToken = default) =>
        SubscribeAsync([new TopicSubscription(filter, qos)], cancellationToken);

    public async Task UnsubscribeAsync(string filter, CancellationToken cancellationToken = default)
    {
        if (MqttTopic.ValidateFilter(filter) is { } invalid) throw new ArgumentException(invalid, nameof(filter));
        (MqttConnection connection, MqttClientSession session, _) = ThrowIfNotConnected("unsubscribe");
        TaskCompletionSource<MqttPacket> ack = session.ExpectAck(out ushort id);
        await SendAndAwaitAckAsync(connection, session, new UnsubscribePacket(id, [filter]), id, ack, cancellationToken).ConfigureAwait(false);
        session.Unsubscribed(filter);
    }

    /// <summary>Sends DISCONNECT (no last will) and closes; no reconnect follows. Does nothing when not connected.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken = default)
    {
        MqttConnection? connection = Stop();
        if (connection is null) return;
        try
        {
            await connection.SendAsync(EmptyPacket.Disconnect, cancellationToken).ConfigureAwait(false);
        }
        catch (MqttCommunicationException)
        {
            // Already gone: the broker has seen the connection end, which is all DISCONNECT was for.
        }
        await connection.LoseAsync("the client disconnected").ConfigureAwait(false);
    }

    /// <summary>
    /// Drops the connection without DISCONNECT, as a crash would (the broker publishes the will).
    /// Like a crash, it is final: no reconnect follows.
    /// </summary>
    public void Abort() => _ = Stop()?.LoseAsync("the client aborted the connection");

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        await DisconnectAsync().ConfigureAwait(false);
    }

    private async Task<MqttClientConnectResult> ConnectCoreAsync(MqttClientOptions options, MqttClientSession session, bool isReconnect,
        CancellationToken cancellationToken)
    {
        var connect = new ConnectPacket(options.ClientId, options.CleanSession, (ushort)options.KeepAlivePeriod.TotalSeconds,
            options.Username, options.Password, options.Will);
        (MqttConnection connection, ConnAckPacket connAck) = await MqttConnection.OpenAsync(options, connect, cancellationToken).ConfigureAwait(false);
        var result = new MqttClientConnectResult(connAck.ReturnCode, connAck.SessionPresent);
        if (!result.IsSuccess)
        {
            await connection.LoseAsync($"refused: {connAck.ReturnCode}").ConfigureAwait(false);
            return result;
        }
        lock (_gate)
        {
            if (_stopped.IsCancellationRequested || _session != session)
            {
                _ = connection.LoseAsync("the client was stopped while connecting");
                throw new OperationCanceledException("the client was disconnected while connecting");
            }
            _connection = connection;
            _reconnecting = false;
        }
        connection.Start(packet => OnPacketAsync(connection, session, packet), (reason, error) => OnLostAsync(connection, session, reason, error));
        if (isReconnect) await RestoreSessionAsync(connection, session, result.IsSessionPresent, cancellationToken).ConfigureAwait(false);
        await RaiseAsync(ConnectedAsync, new MqttClientConnectedEventArgs(result), "ConnectedAsync").ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// After a reconnect: resend what is unacknowledged and restore subscriptions the broker lost.
    /// A failure here is a loss of this new connection, which its own loss handling retries.
    /// </summary>
    private async Task RestoreSessionAsync(MqttConnection connection, MqttClientSession session, bool sessionPresent, CancellationToken cancellationToken)
    {
        try
        {
            // The broker may have kept the in-flight messages (session present) or not; either way
            // resending keeps the at-least-once promise, and DUP tells the broker it may be a repeat.
            foreach (InFlightPublish entry in session.InFlightSnapshot())
            {
                MqttPacket resend = entry.Released
                    ? new PacketIdPacket(MqttPacketType.PubRel, entry.Packet.PacketId)
                    : entry.Packet with { Dup = true };
                await connection.SendAsync(resend, cancellationToken).ConfigureAwait(false);
            }
            IReadOnlyList<TopicSubscription> subscriptions = session.Subscriptions();
            if (!sessionPresent && subscriptions.Count > 0)
                await SubscribeCoreAsync(connection, session, subscriptions, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttCommunicationException or TimeoutException or MqttProtocolException or OperationCanceledException)
        {
            await connection.LoseAsync($"restoring the session on {connection.Endpoint} failed: {e.Message}", e).ConfigureAwait(false);
        }
    }

    private async ValueTask OnPacketAsync(MqttConnection connection, MqttClientSession session, MqttPacket packet)
    {
        switch (packet)
        {
            case PublishPacket publish:
                bool deliver = publish.Qos != MqttQos.ExactlyOnce || session.ReceiveQos2(publish.PacketId);
                Task? handled = null;
                if (deliver)
                {
                    var message = new MqttApplicationMessage(publish.Topic, publish.Payload, publish.Qos, publish.Retain);
                    var received = new MqttApplicationMessageReceivedEventArgs(message, _options?.ClientId ?? "");
                    await RaiseAsync(ApplicationMessageReceivedAsync, received, "ApplicationMessageReceivedAsync").ConfigureAwait(false);
                    handled = received.Handled;
                }
                if (publish.Qos == MqttQos.AtLeastOnce)
                    connection.Acks.Add(publish.PacketId, handled);
                else if (publish.Qos == MqttQos.ExactlyOnce)
                    await connection.SendAsync(new PacketIdPacket(MqttPacketType.PubRec, publish.PacketId)).ConfigureAwait(false);
                break;
            case PacketIdPacket { Kind: MqttPacketType.PubAck or MqttPacketType.PubComp } done:
                session.Complete(done.PacketId);
                break;
            case PacketIdPacket { Kind: MqttPacketType.PubRec } received:
                if (session.Find(received.PacketId) is { } entry) entry.Released = true;
                await connection.SendAsync(new PacketIdPacket(MqttPacketType.PubRel, received.PacketId)).ConfigureAwait(false);
                break;
            case PacketIdPacket { Kind: MqttPacketType.PubRel } release:
                session.ReleaseQos2(release.PacketId);
                await connection.SendAsync(new PacketIdPacket(MqttPacketType.PubComp, release.PacketId)).ConfigureAwait(false);
                break;
            case SubAckPacket subAck:
                session.CompleteAck(subAck, subAck.PacketId);
                break;
            case PacketIdPacket { Kind: MqttPacketType.UnsubAck } unsubAck:
                session.CompleteAck(unsubAck, unsubAck.PacketId);
                break;
            case EmptyPacket { Kind: MqttPacketType.PingResp }:
                break;
            default:
                throw new MqttProtocolException($"a broker must not send {packet.Type} to a client");
        }
    }

    private async Task OnLostAsync(MqttConnection connection, MqttClientSession session, string reason, Exception? error)
    {
        bool clientInitiated, reconnect, startLoop;
        MqttClientOptions options;
        lock (_gate)
        {
            if (_connection == connection) _connection = null;
            clientInitiated = _stopped.IsCancellationRequested;
            options = _options!;
            reconnect = !clientInitiated && options.AutoReconnect && _session == session;
            startLoop = reconnect && !_reconnecting;
            _reconnecting |= reconnect;
        }
        var lost = new MqttCommunicationException($"The connection to {connection.Endpoint} ended ({reason})", error);
        session.FailPendingAcks(lost);
        if (!reconnect) session.FailAll(lost);
        await RaiseAsync(DisconnectedAsync, new MqttClientDisconnectedEventArgs(reason, clientInitiated, error), "DisconnectedAsync").ConfigureAwait(false);
        if (startLoop) _ = ReconnectLoopAsync(options, session);
    }

    private async Task ReconnectLoopAsync(MqttClientOptions options, MqttClientSession session)
    {
        CancellationToken stopped;
        lock (_gate) stopped = _stopped.Token;
        TimeSpan delay = options.ReconnectMinDelay;
        try
        {
            while (true)
            {
                await Task.Delay(delay, options.TimeProvider, stopped).ConfigureAwait(false);
                try
                {
                    MqttClientConnectResult result = await ConnectCoreAsync(options, session, isReconnect: true, stopped).ConfigureAwait(false);
                    if (result.IsSuccess) return;
                    Log(options, $"reconnect to {options.Host}:{options.Port} refused: {result.ResultCode}");
                }
                catch (Exception e) when (e is TimeoutException or MqttCommunicationException)
                {
                    Log(options, $"reconnect to {options.Host}:{options.Port} failed: {e.Message}");
                }
                delay = ReconnectBackoff.Next(delay, options.ReconnectMaxDelay);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by DisconnectAsync, Abort or DisposeAsync: the session ends here.
            lock (_gate) _reconnecting = false;
            session.FailAll(new InvalidOperationException($"The MQTT client '{options.ClientId}' was stopped before it could reconnect."));
        }
    }

    private async Task<MqttClientSubscribeResult> SubscribeCoreAsync(MqttConnection connection, MqttClientSession session,
        IReadOnlyList<TopicSubscription> subscriptions, CancellationToken cancellationToken)
    {
        TaskCompletionSource<MqttPacket> ack = session.ExpectAck(out ushort id);
        var subAck = (SubAckPacket)await SendAndAwaitAckAsync(connection, session, new SubscribePacket(id, subscriptions), id, ack, cancellationToken)
            .ConfigureAwait(false);
        if (subAck.ReturnCodes.Count != subscriptions.Count)
            throw new MqttProtocolException($"SUBACK from {connection.Endpoint} has {subAck.ReturnCodes.Count} return codes for {subscriptions.Count} subscriptions");
        for (int i = 0; i < subscriptions.Count; i++)
        {
            if (subAck.ReturnCodes[i] != SubAckPacket.Failure) session.Subscribed(subscriptions[i].Filter, subscriptions[i].Qos);
        }
        return new MqttClientSubscribeResult(subAck.ReturnCodes);
    }

    private async Task<MqttPacket> SendAndAwaitAckAsync(MqttConnection connection, MqttClientSession session, MqttPacket request, ushort id,
        TaskCompletionSource<MqttPacket> ack, CancellationToken cancellationToken)
    {
        MqttClientOptions options = _options!;
        try
        {
            await connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return await ack.Task.WaitAsync(options.Timeout, options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {options.Timeout.TotalSeconds:0.###} s waiting for {connection.Endpoint} to acknowledge {request.Type}");
        }
        finally
        {
            session.ForgetAck(id);
        }
    }

    private (MqttConnection, MqttClientSession, CancellationToken) ThrowIfNotConnected(string action)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is null || _session is null)
            {
                string state = _reconnecting ? "is reconnecting" : _options is null ? "has never been connected" : "is not connected";
                throw new InvalidOperationException($"Cannot {action}: the MQTT client '{_options?.ClientId}' {state}" +
                    (_options is null ? "; call ConnectAsync first." : $" (broker {_options.Host}:{_options.Port})."));
            }
            return (_connection, _session, _stopped.Token);
        }
    }

    private MqttConnection? CurrentConnection()
    {
        lock (_gate) return _connection;
    }

    /// <summary>Marks the client stopped (no reconnect, waiters released) and hands back the live connection, if any.</summary>
    private MqttConnection? Stop()
    {
        lock (_gate)
        {
            _stopped.Cancel();
            return _connection;
        }
    }

    private async Task RaiseAsync<T>(Func<T, Task>? handlers, T args, string eventName)
    {
        if (handlers is null) return;
        foreach (Func<T, Task> handler in handlers.GetInvocationList().Cast<Func<T, Task>>())
        {
            try
            {
                await handler(args).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // A failing handler must not take the connection down with it; it is reported instead.
                Log(_options, $"{eventName} handler failed: {e}");
            }
        }
    }

    private static void Log(MqttClientOptions? options, string message) => options?.Log?.Invoke($"mqtt client '{options.ClientId}': {message}");

    private static void Validate(MqttClientOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Host)) throw new ArgumentException("Host is required", nameof(options));
        if (options.Port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), $"Port {options.Port} is not a TCP port");
        if (options.KeepAlivePeriod < TimeSpan.Zero || options.KeepAlivePeriod.TotalSeconds > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(options), "KeepAlivePeriod must be between 0 and 65535 s");
        if (options.Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), "Timeout must be positive");
        if (options.MaxInFlight is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), "MaxInFlight must be between 1 and 65535");
        if (options.ReconnectMinDelay <= TimeSpan.Zero || options.ReconnectMaxDelay < options.ReconnectMinDelay)
            throw new ArgumentOutOfRangeException(nameof(options), "reconnect delays must be positive, min ≤ max");
    }
}
