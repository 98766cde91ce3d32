using System.Text.RegularExpressions;
using Hil.Harness.Channels;

namespace Hil.Harness.Node;

/// <summary>
/// Driver for the reference node's console (firmware/README.md, "Console"): sends a command and
/// collects its output up to the next prompt. Asynchronous log lines (starting with '[') are kept
/// in the channel's transcript but not in the reply.
/// </summary>
public sealed class NodeConsole
{
    public const string Prompt = "> ";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _oneCommandAtATime = new(1, 1);

    public NodeConsole(TargetChannel channel)
    {
        Channel = channel;
    }

    public TargetChannel Channel { get; }

    /// <summary>Sends <paramref name="command"/> and returns its output once the node prompts again.</summary>
    public async Task<ConsoleReply> ExecuteAsync(string command, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        if (command.Contains('\n') || command.Contains('\r'))
            throw new ArgumentException("A console command is one line.", nameof(command));
        TimeSpan limit = timeout ?? DefaultTimeout;
        await _oneCommandAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long firstLine = Channel.LineCount;
            await Channel.WriteLineAsync(command, cancellationToken).ConfigureAwait(false);
            await Channel.WaitForAsync(channel => ReplyComplete(channel, firstLine),
                $"the reply to '{command}' and the prompt '{Prompt}'", limit, cancellationToken).ConfigureAwait(false);
            Channel.SkipReceived();
            return new ConsoleReply(command, ReplyLines(Channel.LinesSince(firstLine)));
        }
        finally
        {
            _oneCommandAtATime.Release();
        }
    }

    /// <summary>Like <see cref="ExecuteAsync"/>, but an <c>ERR</c> answer is an exception carrying the reason.</summary>
    public async Task<ConsoleReply> ExecuteOkAsync(string command, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ConsoleReply reply = await ExecuteAsync(command, timeout, cancellationToken).ConfigureAwait(false);
        if (reply.IsError)
            throw new InvalidOperationException(
                $"Target '{Channel.TargetName}' refused '{command}': ERR {reply.Error}");
        return reply;
    }

    /// <summary>Waits until the node sits at its prompt (after boot, say), log lines after the prompt notwithstanding.</summary>
    public Task WaitForPromptAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Channel.WaitForAsync(AtPrompt, $"the prompt '{Prompt}'", timeout, cancellationToken);

    /// <summary>The last thing printed, log lines aside, is a bare prompt.</summary>
    private static bool AtPrompt(TargetChannel channel)
    {
        if (channel.PartialLine == Prompt) return true;
        if (channel.PartialLine.Length > 0) return false;
        foreach (string line in channel.Tail(50).Reverse())
        {
            if (line.StartsWith('[') || line.Length == 0) continue;
            return line.TrimEnd() == Prompt.TrimEnd();
        }
        return false;
    }

    /// <summary>
    /// True once a prompt follows some reply output. A prompt is "> " at the start of a line: the
    /// partial line, or a completed line when the node printed something after it (a log line
    /// ends the prompt's line; without echo a reply continues on the prompt's line).
    /// </summary>
    private static bool ReplyComplete(TargetChannel channel, long firstLine)
    {
        bool replySeen = false;
        foreach (string line in channel.LinesSince(firstLine).Append(channel.PartialLine))
        {
            if (replySeen && line.StartsWith(Prompt, StringComparison.Ordinal)) return true;
            string content = StripPrompts(line);
            if (content.Length > 0 && !content.StartsWith('[')) replySeen = true;
        }
        return false;
    }

    private static IReadOnlyList<string> ReplyLines(IReadOnlyList<string> lines)
    {
        var reply = new List<string>();
        foreach (string raw in lines)
        {
            string line = StripPrompts(raw);
            if (line.Length == 0 || line.StartsWith('[')) continue;
            reply.Add(line);
        }
        return reply;
    }

    // Without echo, output may follow a prompt on the same line ("> fw=3.0.0 ...").
    private static string StripPrompts(string line)
    {
        while (line.StartsWith(Prompt, StringComparison.Ordinal)) line = line[Prompt.Length..];
        return line.Trim() == ">" ? "" : line;
    }

    public static Regex LogLine(string tag) => new($@"^(> )*\[{Regex.Escape(tag)}\] ");
}
