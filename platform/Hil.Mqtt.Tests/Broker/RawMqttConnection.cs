using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Broker;

/// <summary>
/// A test-side MQTT peer speaking raw packets through the codec (independent of MqttClient): a
/// background loop reads packets into a channel, so a receive with a timeout never tears a packet.
/// </summary>
internal sealed class RawMqttConnection : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly Channel<MqttPacket> _received = Channel.CreateUnbounded<MqttPacket>();
    private readonly Task _reading;

    private RawMqttConnection(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reading = ReadLoopAsync();
    }

    public string LocalEndPoint => _tcp.Client.LocalEndPoint!.ToString()!;

    /// <summary>Why the broker's side ended (null while open).</summary>
    public string? ClosedBecause { get; private set; }

    public static async Task<RawMqttConnection> OpenAsync(int port, CancellationToken cancellationToken = default)
    {
        var tcp = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port, cancellationToken);
        return new RawMqttConnection(tcp);
    }

    /// <summary>Opens a connection and completes CONNECT; asserts CONNACK Accepted unless told otherwise.</summary>
    public static async Task<RawMqttConnection> ConnectAsync(int port, string clientId, bool clean = true, ushort keepAlive = 0,
        MqttWill? will = null, bool expectAccepted = true)
    {
        RawMqttConnection connection = await OpenAsync(port);
        ConnAckPacket ack = await connection.HandshakeAsync(new ConnectPacket(clientId, clean, keepAlive, Will: will));
        if (expectAccepted) Assert.That(ack.ReturnCode, Is.EqualTo(ConnectReturnCode.Accepted), $"CONNACK for '{clientId}'");
        return connection;
    }

    public async Task<ConnAckPacket> HandshakeAsync(ConnectPacket connect)
    {
        await SendAsync(connect);
        return await ReceiveAsync<ConnAckPacket>();
    }

    public Task SendAsync(MqttPacket packet) => SendBytesAsync(MqttCodec.Encode(packet));

    public async Task SendBytesAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    public Task PublishAsync(string topic, string payload, MqttQos qos = MqttQos.AtMostOnce, bool retain = false, ushort packetId = 0) =>
        SendAsync(new PublishPacket(topic, Encoding.UTF8.GetBytes(payload), qos, retain, PacketId: qos == MqttQos.AtMostOnce ? (ushort)0 : packetId == 0 ? (ushort)1 : packetId));

    public async Task<SubAckPacket> SubscribeAsync(string filter, MqttQos qos = MqttQos.AtLeastOnce, ushort packetId = 1)
    {
        await SendAsync(new SubscribePacket(packetId, [new TopicSubscription(filter, qos)]));
        SubAckPacket ack = await ReceiveAsync<SubAckPacket>();
        Assert.That(ack.PacketId, Is.EqualTo(packetId));
        return ack;
    }

    public async Task<MqttPacket> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _received.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no packet within {(timeout ?? DefaultTimeout).TotalSeconds} s on {LocalEndPoint}");
        }
        catch (ChannelClosedException)
        {
            throw new AssertionException($"the broker closed {LocalEndPoint} ({ClosedBecause}) while a packet was expected");
        }
    }

    public async Task<T> ReceiveAsync<T>() where T : MqttPacket
    {
        MqttPacket packet = await ReceiveAsync();
        Assert.That(packet, Is.InstanceOf<T>(), $"expected a {typeof(T).Name}");
        return (T)packet;
    }

    /// <summary>The next PUBLISH, acknowledging it when it is QoS 1.</summary>
    public async Task<PublishPacket> ReceivePublishAsync(bool acknowledge = true)
    {
        var publish = await ReceiveAsync<PublishPacket>();
        if (acknowledge && publish.Qos == MqttQos.AtLeastOnce) await SendAsync(new PacketIdPacket(MqttPacketType.PubAck, publish.PacketId));
        return publish;
    }

    /// <summary>Waits until the broker closes this connection; fails on any packet or timeout.</summary>
    public async Task WaitClosedAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            bool more = await _received.Reader.WaitToReadAsync(cts.Token);
            if (more) Assert.Fail($"expected the broker to close {LocalEndPoint}, got {await _received.Reader.ReadAsync()}");
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the broker did not close {LocalEndPoint} within {(timeout ?? DefaultTimeout).TotalSeconds} s");
        }
    }

    /// <summary>Drops the connection with a TCP reset, as a crash or a pulled cable would.</summary>
    public void Abort()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0);
        _tcp.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        await _reading;
    }

    private async Task ReadLoopAsync()
    {
        var reader = new MqttPacketReader(_stream);
        try
        {
            while (await reader.ReadAsync() is { } packet) _received.Writer.TryWrite(packet);
            ClosedBecause = "end of stream";
        }
        catch (Exception e)
        {
            ClosedBecause = $"{e.GetType().Name}: {e.Message}";
        }
        _received.Writer.TryComplete();
    }
}
