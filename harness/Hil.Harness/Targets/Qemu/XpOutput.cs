using System.Globalization;

namespace Hil.Harness.Targets.Qemu;

/// <summary>The words of QEMU's HMP <c>xp /Nwx ADDR</c> answer ("0000000020000100: 0x00004b3c 0x00000000"), for both QMP connections.</summary>
internal static class XpOutput
{
    /// <summary>The <paramref name="count"/> 32-bit words after the address; null if the answer is not that shape.</summary>
    public static uint[]? Words(string text, int count)
    {
        string[] fields = text[(text.IndexOf(':') + 1)..].Split([' ', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != count) return null;
        var words = new uint[count];
        for (int i = 0; i < count; i++)
        {
            string field = fields[i].StartsWith("0x", StringComparison.Ordinal) ? fields[i][2..] : fields[i];
            if (!uint.TryParse(field, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out words[i])) return null;
        }
        return words;
    }

    /// <summary>Two words as the little-endian 64-bit value they hold; null if the answer is not that shape.</summary>
    public static ulong? UInt64(string text) => Words(text, 2) is [uint low, uint high] ? ((ulong)high << 32) | low : null;
}
