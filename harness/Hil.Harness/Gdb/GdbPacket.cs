using System.Text;

namespace Hil.Harness.Gdb;

/// <summary>
/// RSP framing: <c>$</c>, the data with <c>$ # } *</c> escaped as <c>}</c> followed by the byte
/// XOR 0x20, <c>#</c>, and two lowercase hex digits of the sum of the data bytes modulo 256.
/// Replies may also use run-length encoding (<c>X*n</c>: n - 29 more copies of X).
/// </summary>
public static class GdbPacket
{
    public static byte[] Encode(string data)
    {
        var frame = new List<byte>(data.Length + 4) { (byte)'$' };
        int sum = 0;
        foreach (char c in data)
        {
            if (c > 0xFF) throw new ArgumentException($"RSP packets are bytes; '{c}' is not one.", nameof(data));
            if (c is '$' or '#' or '}' or '*')
            {
                frame.Add((byte)'}');
                frame.Add((byte)(c ^ 0x20));
                sum += '}' + (c ^ 0x20);
            }
            else
            {
                frame.Add((byte)c);
                sum += c;
            }
        }
        frame.AddRange(Encoding.ASCII.GetBytes($"#{sum & 0xFF:x2}"));
        return frame.ToArray();
    }

    /// <summary>Checks the checksum over the raw body and undoes escaping and run-length encoding.</summary>
    public static bool TryDecode(IReadOnlyList<byte> body, byte checksumHigh, byte checksumLow, out string data)
    {
        int sum = 0;
        foreach (byte b in body) sum += b;
        data = "";
        if (!IsHex(checksumHigh) || !IsHex(checksumLow)) return false;
        if (Convert.ToInt32($"{(char)checksumHigh}{(char)checksumLow}", 16) != (sum & 0xFF)) return false;
        var text = new StringBuilder(body.Count);
        for (int i = 0; i < body.Count; i++)
        {
            byte b = body[i];
            if (b == (byte)'}' && i + 1 < body.Count)
            {
                text.Append((char)(body[++i] ^ 0x20));
            }
            else if (b == (byte)'*' && i + 1 < body.Count && text.Length > 0)
            {
                text.Append(text[^1], body[++i] - 29);
            }
            else
            {
                text.Append((char)b);
            }
        }
        data = text.ToString();
        return true;
    }

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';
}
