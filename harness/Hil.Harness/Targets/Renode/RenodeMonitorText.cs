using System.Text;
using System.Text.RegularExpressions;

namespace Hil.Harness.Targets.Renode;

/// <summary>
/// Reads Renode's monitor output as ../shared/RENODE.md documents it: telnet negotiation to strip,
/// the echo of each command followed by "\n\r", results whose lines end "\r\r\n" or "\r\n\r",
/// prompts coloured (<c>ESC[91m(monitor) </c>, <c>ESC[33m(node-1) ESC[0m</c>) or plain, and errors
/// in red (with <c>--plain</c>: recognised by their texts).
/// </summary>
internal static partial class RenodeMonitorText
{
    private const string Red = "\x1b[91m";

    /// <summary>Texts Renode starts its errors with; the only way to see an error under <c>--plain</c>.</summary>
    private static readonly string[] ErrorTexts =
    [
        "No such command or device", "There was an error executing command", "The following methods are available",
        "Parameters did not match the signature", "Could not find file",
    ];

    /// <summary>A prompt at the very end of the output: "(monitor) " or "(machine-name) ", maybe coloured.</summary>
    [GeneratedRegex(@"(?:\x1b\[\d+m)?\((?<name>[^()\r\n\x1b]+)\) (?:\x1b\[0m)?$", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingPrompt();

    [GeneratedRegex(@"\x1b\[[0-9;]*m", RegexOptions.CultureInvariant)]
    private static partial Regex ColourCode();

    /// <summary>Loading the STM32F4 platform offline tries to fetch an SVD file; harmless (RENODE.md).</summary>
    [GeneratedRegex(@"^Failed to download \S+\.svd(\.gz)?, see log for details\.$", RegexOptions.CultureInvariant)]
    private static partial Regex SvdDownloadWarning();

    /// <summary>The machine name the prompt at the end of <paramref name="text"/> shows, or null when it does not end in a prompt.</summary>
    public static Match? FindTrailingPrompt(string text)
    {
        Match match = TrailingPrompt().Match(text);
        return match.Success ? match : null;
    }

    /// <summary>Result lines without colour codes and line-end debris; empty lines dropped.</summary>
    public static IReadOnlyList<string> Lines(string body) =>
        ColourCode().Replace(body, "").Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.TrimEnd()).Where(line => line.Length > 0).ToArray();

    /// <summary>Lines that are harmless warnings, not results (the offline SVD download).</summary>
    public static bool IsTolerated(string line) => SvdDownloadWarning().IsMatch(line);

    /// <summary>
    /// The error Renode reported in a command's <paramref name="body"/> (between echo and prompt), or null.
    /// Red text is an error; so are the known error texts, for <c>--plain</c> monitors.
    /// </summary>
    public static string? FindError(string body)
    {
        IReadOnlyList<string> lines = Lines(body).Where(line => !IsTolerated(line)).ToArray();
        bool red = RedSegments(body).Any(segment => Lines(segment).Any(line => !IsTolerated(line)));
        bool known = lines.Any(line => ErrorTexts.Any(line.StartsWith));
        return red || known ? string.Join(" ", lines) : null;
    }

    private static IEnumerable<string> RedSegments(string body)
    {
        int at = 0;
        while ((at = body.IndexOf(Red, at, StringComparison.Ordinal)) >= 0)
        {
            int start = at + Red.Length;
            int end = body.IndexOf("\x1b[0m", start, StringComparison.Ordinal);
            yield return end < 0 ? body[start..] : body[start..end];
            at = end < 0 ? body.Length : end;
        }
    }
}

/// <summary>
/// Strips telnet commands (IAC ...) from the monitor's byte stream; keeps state across reads, so a
/// sequence split between two packets is still removed.
/// </summary>
internal sealed class TelnetFilter
{
    private const byte Iac = 0xFF, Sb = 0xFA, Se = 0xF0, Will = 0xFB, Dont = 0xFE;
    private enum State { Data, Command, Option, Sub, SubIac }
    private State _state = State.Data;
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

    /// <summary>The text carried by <paramref name="bytes"/> once telnet negotiation is removed.</summary>
    public string Filter(ReadOnlySpan<byte> bytes)
    {
        var data = new List<byte>(bytes.Length);
        foreach (byte b in bytes)
        {
            switch (_state)
            {
                case State.Data when b == Iac: _state = State.Command; break;
                case State.Data: data.Add(b); break;
                case State.Command when b == Iac: data.Add(Iac); _state = State.Data; break;
                case State.Command when b >= Will && b <= Dont: _state = State.Option; break;
                case State.Command when b == Sb: _state = State.Sub; break;
                case State.Command: _state = State.Data; break;
                case State.Option: _state = State.Data; break;
                case State.Sub when b == Iac: _state = State.SubIac; break;
                case State.Sub: break;
                case State.SubIac: _state = b == Se ? State.Data : State.Sub; break;
            }
        }
        byte[] array = data.ToArray();
        var chars = new char[_decoder.GetCharCount(array, flush: false)];
        _decoder.GetChars(array, chars, flush: false);
        return new string(chars);
    }
}
