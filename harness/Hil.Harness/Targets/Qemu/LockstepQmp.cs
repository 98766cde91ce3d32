using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Hil.Harness.Targets.Qemu;

/// <summary>
/// Lockstep's own QMP connection, used from its thread while the node is held: synchronous, every command tagged
/// with an id, and a reply that does not come in time is given up on (and skipped when it comes later). It is not the
/// target's <see cref="QmpClient"/>, so a command of the harness that waits for the node (a stop) cannot block it.
/// </summary>
internal sealed class LockstepQmp : IDisposable
{
    private readonly Socket _socket;
    private readonly StringBuilder _pending = new();
    private readonly byte[] _buffer = new byte[4096];
    private long _nextId;

    public LockstepQmp(Socket socket, TimeSpan replyTimeout)
    {
        _socket = socket;
        _socket.ReceiveTimeout = (int)replyTimeout.TotalMilliseconds;
        JsonObject greeting = ReadMessage() ?? throw new IOException("QEMU sent no QMP greeting on lockstep's monitor.");
        if (!greeting.ContainsKey("QMP")) throw new IOException($"QEMU greeted lockstep's monitor with {greeting.ToJsonString()}.");
        if (Execute("qmp_capabilities") is null) throw new IOException("QEMU did not accept qmp_capabilities on lockstep's monitor.");
    }

    /// <summary>A 32-bit word of guest physical memory (HMP <c>xp</c>; device registers included), or null if QEMU did not answer in time.</summary>
    public uint? ReadWord(ulong address) => ReadWords(address, 1) is [uint value] ? value : null;

    /// <summary><paramref name="count"/> consecutive 32-bit words of guest physical memory, or null if QEMU did not answer in time.</summary>
    public uint[]? ReadWords(ulong address, int count)
    {
        JsonNode? reply = Execute("human-monitor-command", new JsonObject { ["command-line"] = $"xp /{count}wx 0x{address:x}" });
        if (reply is null) return null;
        string text = reply.GetValue<string>();
        return XpOutput.Words(text, count) ?? throw new IOException($"QEMU answered '{text.Trim()}' to xp on lockstep's monitor.");
    }

    /// <summary>
    /// Whether QEMU's main loop answers at all: it does not while it waits for a held vCPU to stop (a reset, a debugger
    /// attaching), which only letting the node go ends.
    /// </summary>
    public bool Answers() => Execute("query-status") is not null;

    /// <summary>A little-endian 64-bit word of guest physical memory, or null if QEMU did not answer in time.</summary>
    public ulong? ReadUInt64(ulong address) => ReadWords(address, 2) is [uint low, uint high] ? ((ulong)high << 32) | low : null;

    private JsonNode? Execute(string command, JsonObject? arguments = null)
    {
        long id = ++_nextId;
        var request = new JsonObject { ["execute"] = command, ["id"] = id };
        if (arguments is not null) request["arguments"] = arguments;
        _socket.Send(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"));
        while (ReadMessage() is { } message)
        {
            if (message["id"]?.GetValue<long>() != id) continue; // an event, or the late reply to a command given up on
            if (message["error"] is JsonObject error) throw new IOException($"QEMU refused '{command}' on lockstep's monitor: {error["desc"]}");
            return message["return"];
        }
        return null;
    }

    /// <summary>The next message, or null when none came within the reply timeout.</summary>
    private JsonObject? ReadMessage()
    {
        while (true)
        {
            string text = _pending.ToString();
            int newline = text.IndexOf('\n');
            if (newline >= 0)
            {
                _pending.Remove(0, newline + 1);
                if (text[..newline].Trim() is { Length: > 0 } line) return JsonNode.Parse(line) as JsonObject;
                continue;
            }
            int count;
            try
            {
                count = _socket.Receive(_buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                return null;
            }
            catch (SocketException e)
            {
                // QEMU exiting (a target stopping) aborts the connection: the same as closing it, for every caller.
                throw new IOException($"QEMU closed lockstep's monitor ({e.SocketErrorCode}).", e);
            }
            if (count == 0) throw new IOException("QEMU closed lockstep's monitor.");
            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, count));
        }
    }

    public void Dispose() => _socket.Dispose();
}
