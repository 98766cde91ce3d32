using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Hil.Harness.Targets.Renode;

/// <summary>
/// A client of Renode's monitor socket (RENODE.md, "Monitor protocol"). One command at a time:
/// it sends the command ended by a single '\n', skips everything up to the command's echo and its
/// "\n\r" (the banner and prompt on a first connection, the closing colour code of a red prompt),
/// and takes what follows, up to the next prompt, as the result. A reconnected monitor sends no
/// banner and no prompt until the first command, which this handles the same way.
/// </summary>
public sealed class RenodeMonitor : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private const int KeptTranscript = 8 * 1024;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _oneCommandAtATime = new(1, 1);
    private readonly TelnetFilter _telnet = new();
    private readonly StringBuilder _pending = new();
    private readonly StringBuilder _transcript = new();
    private readonly byte[] _buffer = new byte[8192];

    private RenodeMonitor(Socket socket, TimeProvider timeProvider)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _timeProvider = timeProvider;
    }

    public string Endpoint => _socket.RemoteEndPoint?.ToString() ?? "(closed)";

    /// <summary>The name in the last prompt seen: "monitor", or the selected machine's name.</summary>
    public string? PromptName { get; private set; }

    /// <summary>The last few kilobytes the monitor sent (colour codes kept), for error messages.</summary>
    public string TranscriptTail
    {
        get { lock (_transcript) return _transcript.ToString(); }
    }

    /// <summary>Connects once; fails at once if nothing listens (see <see cref="RenodeHost"/> for waiting).</summary>
    public static async Task<RenodeMonitor> ConnectAsync(string host, int port, TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new RenodeMonitor(socket, timeProvider ?? TimeProvider.System);
    }

    /// <summary>Runs one command; Renode's errors become a <see cref="RenodeCommandException"/> with its message.</summary>
    public async Task<RenodeResult> ExecuteAsync(string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        string body = await SendAsync(command, timeout ?? DefaultTimeout, cancellationToken).ConfigureAwait(false);
        string? error = RenodeMonitorText.FindError(body);
        if (error is not null) throw new RenodeCommandException(command, error);
        return new RenodeResult(command, RenodeMonitorText.Lines(body).Where(l => !RenodeMonitorText.IsTolerated(l)).ToArray());
    }

    /// <summary>Sends <c>quit</c>: Renode answers "Renode is quitting", closes the socket and exits.</summary>
    public async Task QuitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await _oneCommandAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync("quit\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            using var limit = new CancellationTokenSource(timeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, cancellationToken);
            while (await ReadSomeAsync(linked.Token).ConfigureAwait(false) > 0) { }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
            // Closed (or silent) as it quits: either way the caller waits for the process to exit next.
        }
        finally
        {
            _oneCommandAtATime.Release();
        }
    }

    private async Task<string> SendAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (command.Contains('\n') || command.Contains('\r'))
            throw new ArgumentException("A monitor command is one line.", nameof(command));
        await _oneCommandAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _pending.Clear();
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\n"), cancellationToken).ConfigureAwait(false);
            using var limit = new CancellationTokenSource(timeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, cancellationToken);
            string echo = command + "\n\r";
            while (true)
            {
                string text = _pending.ToString();
                int echoAt = text.IndexOf(echo, StringComparison.Ordinal);
                if (echoAt >= 0)
                {
                    string rest = text[(echoAt + echo.Length)..];
                    Match? prompt = RenodeMonitorText.FindTrailingPrompt(rest);
                    if (prompt is not null)
                    {
                        PromptName = prompt.Groups["name"].Value;
                        _pending.Clear();
                        return rest[..prompt.Index];
                    }
                }
                int count;
                try
                {
                    count = await ReadSomeAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException(
                        $"Renode's monitor at {Endpoint} did not answer '{command}' within {timeout.TotalSeconds:0.#} s. " +
                        $"It sent: {Visible(_pending.ToString())}");
                }
                if (count == 0)
                    throw new IOException(
                        $"Renode's monitor at {Endpoint} closed the connection during '{command}'. It sent: {Visible(_pending.ToString())}");
            }
        }
        finally
        {
            _oneCommandAtATime.Release();
        }
    }

    private async Task<int> ReadSomeAsync(CancellationToken cancellationToken)
    {
        int count = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        if (count == 0) return 0;
        string text = _telnet.Filter(_buffer.AsSpan(0, count));
        _pending.Append(text);
        lock (_transcript)
        {
            _transcript.Append(text);
            if (_transcript.Length > KeptTranscript) _transcript.Remove(0, _transcript.Length - KeptTranscript);
        }
        return count;
    }

    /// <summary>Control characters made visible for an error message.</summary>
    internal static string Visible(string text)
    {
        string tail = text.Length > 400 ? "..." + text[^400..] : text;
        return "\"" + tail.Replace("\x1b", "\\e").Replace("\r", "\\r").Replace("\n", "\\n") + "\"";
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _oneCommandAtATime.Dispose();
    }
}
