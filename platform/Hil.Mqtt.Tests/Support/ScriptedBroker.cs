using System.Net;
using System.Net.Sockets;
using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Tests.Support;

/// <summary>
/// A fake broker a unit test drives packet by packet: it accepts connections on a loopback port
/// and the test reads what the client sent and writes what the broker answers.
/// </summary>
public sealed class ScriptedBroker : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<ScriptedConnection> _connections = [];

    public ScriptedBroker() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task<ScriptedConnection> AcceptAsync()
    {
        Socket socket = await _listener.AcceptSocketAsync().WaitAsync(Wait);
        var connection = new ScriptedConnection(socket);
        _connections.Add(connection);
        return connection;
    }

    /// <summary>Accepts, reads CONNECT and answers CONNACK.</summary>
    public async Task<(ScriptedConnection Connection, ConnectPacket Connect)> AcceptClientAsync(bool sessionPresent = false,
        ConnectReturnCode code = ConnectReturnCode.Accepted)
    {
        ScriptedConnection connection = await AcceptAsync();
        var connect = await connection.ReadAsync<ConnectPacket>();
        await connection.SendAsync(new ConnAckPacket(sessionPresent, code));
        return (connection, connect);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        foreach (ScriptedConnection connection in _connections) await connection.DisposeAsync();
    }
}

public sealed class ScriptedConnection(Socket socket) : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);
    private MqttPacketReader? _reader;

    private MqttPacketReader Reader => _reader ??= new MqttPacketReader(_stream);

    /// <summary>The next packet from the client, or null once it closed the connection.</summary>
    public async Task<MqttPacket?> ReadAnyAsync() => await Reader.ReadAsync().AsTask().WaitAsync(Wait);

    public async Task<T> ReadAsync<T>() where T : MqttPacket
    {
        MqttPacket? packet = await ReadAnyAsync();
        return packet as T ?? throw new AssertionException($"expected {typeof(T).Name} from the client, got {packet?.ToString() ?? "end of stream"}");
    }

    public Task SendAsync(MqttPacket packet) => _stream.WriteAsync(MqttCodec.Encode(packet)).AsTask();

    public void Close() => _stream.Dispose();

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
