using System.Net.Sockets;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>
/// One client's TCP connection: an async receive loop (no thread of its own) that enforces the
/// MQTT 3.1.1 connection rules, a <see cref="ConnectionSender"/> for everything going out, and a
/// keep-alive timer. Whatever ends it (peer, protocol error, keep-alive, takeover, the harness,
/// broker stop) is logged once, with its reason, when the loop finishes.
/// </summary>
internal sealed partial class BrokerConnection
{
    private static readonly byte[] PingResp = MqttCodec.Encode(EmptyPacket.PingResp);
    private readonly BrokerCore _core;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly CancellationTokenSource _closing = new();
    private readonly Action<BrokerConnection> _onFinished;
    private ITimer? _keepAliveTimer;
    private TimeSpan _keepAliveLimit;
    private string _keepAliveExpiry = "";
    private long _lastPacketAt;
    private int _closed;
    private string _closeReason = "";
    private bool _publishWill;
    private BrokerSession? _session;
    private ConnectPacket? _connect;
    private long _droppedForSlowness;
    private BrokerClientLimits _limits;
    private readonly PublisherAcks _acks;
    private HashSet<string>? _refusedTopics;
    private long _refusedPublishes;

    public BrokerConnection(BrokerCore core, Socket socket, Action<BrokerConnection> onFinished)
    {
        _core = core;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _onFinished = onFinished;
        RemoteEndPoint = socket.RemoteEndPoint?.ToString() ?? "(unknown)";
        _limits = core.Options.Limits;
        Sender = new ConnectionSender(_limits.MaxSendBufferBytes, frame => core.Router.NotifyDelivered(ClientId, frame.Delivery));
        _acks = new PublisherAcks(Sender);
    }

    public string RemoteEndPoint { get; }
    public string ClientId { get; private set; } = "?";
    public ConnectionSender Sender { get; }
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = RunAsync();

    /// <summary>Ends the connection; the first reason given is the one logged. Safe from any thread, any number of times.</summary>
    public void Close(string reason, bool publishWill)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1) return;
        _closeReason = reason;
        _publishWill = publishWill;
        Sender.Complete();
        _keepAliveTimer?.Dispose();
        _closing.Cancel();
        _socket.Dispose();
    }

    /// <summary>A QoS 0 message was dropped because this client reads slower than it is sent to.</summary>
    public void ReportSlowConsumer()
    {
        long dropped = Interlocked.Increment(ref _droppedForSlowness);
        if (dropped == 1 || dropped % 10_000 == 0)
            _core.Warn($"connection {RemoteEndPoint} client '{ClientId}': send queue over {Sender.MaxQueuedBytes} bytes; {dropped} QoS 0 message(s) dropped so far");
    }

    private async Task RunAsync()
    {
        string reason = "closed";
        bool publishWill = true;
        Task sending = Task.CompletedTask;
        try
        {
            ArmKeepAlive(_core.Options.ConnectTimeout, $"no CONNECT within {_core.Options.ConnectTimeout.TotalSeconds:0.###} s");
            var reader = new MqttPacketReader(_stream, _limits.MaxPacketSize);
            MqttPacket? first = await reader.ReadAsync(_closing.Token).ConfigureAwait(false);
            if (first is not ConnectPacket connect)
            {
                reason = first is null ? "closed by the peer before CONNECT" : $"protocol error: the first packet was {first.Type}, not CONNECT";
                return;
            }
            if (await RefuseAsync(connect) is { } refusal)
            {
                reason = refusal;
                return;
            }
            reader.MaxPacketSize = _limits.MaxPacketSize;
            sending = SendAsync();
            bool durable = _core.Options.DurableSubscriber is not null;
            while (true)
            {
                // Over its unacknowledged publishes the client is read no further: TCP holds it back until the durable subscriber catches up.
                if (durable) await _acks.WaitForRoomAsync(_limits, _closing.Token).ConfigureAwait(false);
                MqttPacket? packet = await reader.ReadAsync(_closing.Token).ConfigureAwait(false);
                if (packet is null)
                {
                    reason = "closed by the peer without DISCONNECT";
                    break;
                }
                Volatile.Write(ref _lastPacketAt, _core.Time.GetTimestamp());
                if (packet.Type == MqttPacketType.Disconnect)
                {
                    reason = "DISCONNECT";
                    publishWill = false;
                    break;
                }
                if (Handle(packet) is { } error)
                {
                    reason = error;
                    break;
                }
            }
        }
        catch (MqttProtocolException e)
        {
            reason = $"protocol error: {e.Reason}";
        }
        catch (EndOfStreamException e)
        {
            reason = $"protocol error: {e.Message}";
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            reason = $"network error: {e.Message}";
        }
        catch (Exception e)
        {
            reason = $"internal error: {e}";
        }
        finally
        {
            await FinishAsync(reason, publishWill, sending).ConfigureAwait(false);
        }
    }

    private async Task FinishAsync(string reason, bool publishWill, Task sending)
    {
        Close(reason, publishWill);
        await sending.ConfigureAwait(false);
        try
        {
            if (_session is { } session)
            {
                _core.CloseSession(this, session);
                if (_publishWill && _connect?.Will is { } will && IsAllowed(will.Topic, subscribe: false))
                    _core.Router.Route(new BrokerMessage(ClientId, will.Topic, will.Payload, will.Qos, will.Retain, _core.Time.GetUtcNow()));
            }
        }
        catch (Exception e)
        {
            _core.Warn($"connection {RemoteEndPoint} client '{ClientId}': internal error while closing: {e}");
        }
        long refused = Interlocked.Read(ref _refusedPublishes);
        _core.Log($"connection {RemoteEndPoint} client '{ClientId}' closed: {_closeReason}" +
                  (refused > 0 ? $" ({refused} publish(es) refused by the ACL)" : ""));
        _closing.Dispose();
        _onFinished(this);
    }

    private async Task SendAsync()
    {
        try
        {
            await Sender.RunAsync(_stream, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // After Close the socket is gone and the loop fails; only the first reason counts.
            Close($"network error while sending: {e.Message}", publishWill: true);
        }
    }

    /// <summary>Applies the CONNECT rules; null when accepted (session bound, CONNACK queued), else the logged reason.</summary>
    private async Task<string?> RefuseAsync(ConnectPacket connect)
    {
        string clientId = connect.ClientId;
        if (clientId.Length > 0) ClientId = clientId;
        if (connect.ProtocolLevel != 4)
            return await SendRefusalAsync(connect, ConnectReturnCode.UnacceptableProtocolVersion, $"protocol level {connect.ProtocolLevel} (MQTT 3.1.1 is 4)");
        if (clientId.Length == 0)
        {
            if (!connect.CleanSession)
                return await SendRefusalAsync(connect, ConnectReturnCode.IdentifierRejected, "an empty client id requires clean session");
            clientId = $"auto-{Guid.NewGuid():N}";
        }
        ClientId = clientId;
        ConnectDecision decision = await AuthenticateAsync(connect, clientId).ConfigureAwait(false);
        if (decision.Code != ConnectReturnCode.Accepted)
            return await SendRefusalAsync(connect, decision.Code, decision.Reason ?? "by the authentication hook");
        _limits = decision.Limits ?? _core.Options.Limits;
        Sender.MaxQueuedBytes = _limits.MaxSendBufferBytes;

        _connect = connect;
        (_session, string? refusal) = _core.OpenSession(this, clientId, connect.CleanSession, connect.Username, _limits);
        if (refusal is not null)
        {
            _connect = null;
            return await SendRefusalAsync(connect, ConnectReturnCode.NotAuthorized, refusal);
        }
        if (connect.KeepAliveSeconds > 0)
        {
            // MQTT 3.1.2.10: the server disconnects after one and a half keep-alive periods of silence.
            TimeSpan limit = TimeSpan.FromSeconds(connect.KeepAliveSeconds * 1.5);
            ArmKeepAlive(limit, $"keep-alive expired (no packet for {limit.TotalSeconds:0.###} s)");
        }
        else
        {
            _keepAliveTimer?.Dispose();
        }
        _core.Log($"connection {RemoteEndPoint} client '{clientId}' connected ({(connect.CleanSession ? "clean" : "persistent")} session, keep-alive {connect.KeepAliveSeconds} s)");
        return null;
    }

    private async Task<string> SendRefusalAsync(ConnectPacket connect, ConnectReturnCode code, string why)
    {
        _core.Refuse(new BrokerRefusal(BrokerRefusalKind.Connect, ClientId, connect.Username, $"CONNACK {(byte)code} ({code}): {why}", RemoteEndPoint));
        await _stream.WriteAsync(MqttCodec.Encode(new ConnAckPacket(false, code)), _closing.Token).ConfigureAwait(false);
        return $"refused with CONNACK {(byte)code} ({code}): {why}";
    }

    private async ValueTask<ConnectDecision> AuthenticateAsync(ConnectPacket connect, string clientId)
    {
        if (_core.Options.Authenticate is not { } authenticate) return ConnectDecision.Accept();
        try
        {
            return await authenticate(new MqttConnectContext(clientId, connect.Username, connect.Password, _socket.RemoteEndPoint)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _core.Warn($"connection {RemoteEndPoint} client '{clientId}': the authentication hook threw {e.GetType().Name}: {e.Message}");
            return ConnectReturnCode.ServerUnavailable;
        }
    }

    private void ArmKeepAlive(TimeSpan limit, string expiry)
    {
        _keepAliveLimit = limit;
        _keepAliveExpiry = expiry;
        Volatile.Write(ref _lastPacketAt, _core.Time.GetTimestamp());
        if (_keepAliveTimer is null) _keepAliveTimer = _core.Time.CreateTimer(_ => CheckKeepAlive(), null, limit, Timeout.InfiniteTimeSpan);
        else Rearm(limit);
    }

    private void Rearm(TimeSpan dueIn)
    {
        try
        {
            _keepAliveTimer?.Change(dueIn, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile: there is nothing left to watch.
        }
    }

    private void CheckKeepAlive()
    {
        // While the broker holds the client back (not reading it), its silence is the broker's doing.
        if (_acks.IsHoldingBack) Volatile.Write(ref _lastPacketAt, _core.Time.GetTimestamp());
        TimeSpan silent = _core.Time.GetElapsedTime(Volatile.Read(ref _lastPacketAt));
        if (silent >= _keepAliveLimit) Close(_keepAliveExpiry, publishWill: true);
        else Rearm(_keepAliveLimit - silent);
    }
}
