using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hil.Harness.Targets.Qemu;

/// <summary>
/// A minimal QEMU Machine Protocol client: greeting, capabilities negotiation, then one command at a
/// time. Asynchronous events ({"event": ...}) are kept in <see cref="Events"/>.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);
    private readonly NetworkStream _stream;
    private readonly string _targetName;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _oneCommandAtATime = new(1, 1);
    private readonly List<string> _events = new();
    private readonly byte[] _buffer = new byte[4096];
    private readonly StringBuilder _pending = new();

    private QmpClient(NetworkStream stream, string targetName, TimeProvider timeProvider)
    {
        _stream = stream;
        _targetName = targetName;
        _timeProvider = timeProvider;
    }

    /// <summary>Event names QEMU reported (RESET, STOP, SHUTDOWN, ...), oldest first.</summary>
    public IReadOnlyList<string> Events
    {
        get { lock (_events) return _events.ToArray(); }
    }

    public static async Task<QmpClient> ConnectAsync(NetworkStream stream, string targetName, TimeProvider timeProvider,
        CancellationToken cancellationToken = default)
    {
        var client = new QmpClient(stream, targetName, timeProvider);
        JsonObject greeting = await client.ReadMessageAsync("the QMP greeting", cancellationToken).ConfigureAwait(false);
        if (!greeting.ContainsKey("QMP"))
            throw new InvalidOperationException($"QEMU of target '{targetName}' sent no QMP greeting: {greeting.ToJsonString()}");
        await client.ExecuteAsync("qmp_capabilities", cancellationToken: cancellationToken).ConfigureAwait(false);
        return client;
    }

    /// <summary>Runs one command; a QMP error becomes an exception carrying QEMU's description.</summary>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments = null,
        CancellationToken cancellationToken = default)
    {
        await _oneCommandAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var request = new JsonObject { ["execute"] = command };
            if (arguments is not null) request["arguments"] = arguments;
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"), cancellationToken).ConfigureAwait(false);
            while (true)
            {
                JsonObject reply = await ReadMessageAsync($"the reply to '{command}'", cancellationToken).ConfigureAwait(false);
                if (reply.TryGetPropertyValue("return", out JsonNode? result)) return result;
                if (reply["error"] is JsonObject error)
                    throw new InvalidOperationException(
                        $"QEMU of target '{_targetName}' refused '{command}': {error["class"]}: {error["desc"]}");
            }
        }
        finally
        {
            _oneCommandAtATime.Release();
        }
    }

    /// <summary>
    /// Reads a little-endian 64-bit word of guest physical memory (HMP <c>xp</c>, which works while the guest runs
    /// or waits: the harness reads the node's clock without asking the node anything).
    /// </summary>
    public async Task<ulong> ReadUInt64Async(uint address, CancellationToken cancellationToken = default)
    {
        string command = $"xp /2wx 0x{address:x}";
        JsonNode? reply = await ExecuteAsync("human-monitor-command", new JsonObject { ["command-line"] = command }, cancellationToken).ConfigureAwait(false);
        string text = reply?.GetValue<string>() ?? "";
        return XpOutput.UInt64(text)
            ?? throw new InvalidOperationException($"QEMU of target '{_targetName}' answered '{text.Trim()}' to '{command}' (expected an address and two words).");
    }

    private async Task<JsonObject> ReadMessageAsync(string awaited, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        while (true)
        {
            string text = _pending.ToString();
            int newline = text.IndexOf('\n');
            if (newline >= 0)
            {
                _pending.Remove(0, newline + 1);
                string line = text[..newline].Trim();
                if (line.Length == 0) continue;
                JsonObject message = JsonNode.Parse(line) as JsonObject
                    ?? throw new InvalidOperationException($"QEMU of target '{_targetName}' sent a non-object QMP message: {line}");
                if (message["event"] is JsonNode name)
                {
                    lock (_events) _events.Add(name.GetValue<string>());
                    continue;
                }
                return message;
            }
            int count;
            try
            {
                count = await _stream.ReadAsync(_buffer, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"QEMU of target '{_targetName}' did not send {awaited} within {ReplyTimeout.TotalSeconds} s.");
            }
            if (count == 0) throw new IOException($"QEMU of target '{_targetName}' closed its QMP connection while the harness awaited {awaited}.");
            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, count));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _oneCommandAtATime.Dispose();
    }
}
