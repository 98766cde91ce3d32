using System.Globalization;
using System.Text;

namespace Hil.Harness.Targets.Renode;

/// <summary>
/// Bytes for a node's UART as monitor commands. On Renode's virtual time the harness does not write
/// to the UART's socket terminal: a byte arriving there is taken in at whatever quantum Renode is
/// running when its reader thread gets it, which depends on the harness's speed. The monitor runs
/// a command with the emulation paused, so a byte written through it is in the UART's receive FIFO
/// at the exact device time the node stands at (STM32_UART.WriteChar queues without limit).
/// Printable runs go as one <c>WriteLine '...' None</c>; the monitor's tokenizer unescapes only
/// <c>\'</c> inside single quotes and <c>\"</c> inside double quotes (Renode's StringToken), so a
/// run is quoted with the quote it does not contain, and backslashes, quotes both ways, control
/// bytes and non-ASCII go one <c>WriteChar 0xNN</c> each.
/// </summary>
public static class RenodeUartInput
{
    /// <summary>Longest run in one command: a monitor line stays short enough to echo quickly.</summary>
    private const int MaxRun = 200;

    public static IEnumerable<string> Commands(string uart, ReadOnlyMemory<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            int runEnd = i;
            bool hasSingle = false, hasDouble = false;
            while (runEnd < bytes.Length && runEnd - i < MaxRun && IsPlain(bytes.Span[runEnd]))
            {
                bool single = bytes.Span[runEnd] == '\'', @double = bytes.Span[runEnd] == '"';
                if ((single && hasDouble) || (@double && hasSingle)) break; // a run is quoted with the quote it lacks
                hasSingle |= single;
                hasDouble |= @double;
                runEnd++;
            }
            // A run of one byte is as cheap as WriteChar; a lone quote cannot be quoted by itself anyway.
            if (runEnd - i >= 2)
            {
                string text = Encoding.ASCII.GetString(bytes.Span[i..runEnd]);
                char quote = hasSingle ? '"' : '\'';
                yield return $"{uart} WriteLine {quote}{text}{quote} None";
                i = runEnd;
                continue;
            }
            yield return string.Create(CultureInfo.InvariantCulture, $"{uart} WriteChar 0x{bytes.Span[i]:x2}");
            i++;
        }
    }

    /// <summary>Printable ASCII but the backslash (the tokenizer would keep "\\" as two characters).</summary>
    private static bool IsPlain(byte b) => b is >= 0x20 and <= 0x7E && b != '\\';
}
