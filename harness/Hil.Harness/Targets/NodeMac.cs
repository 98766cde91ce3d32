using System.Globalization;

namespace Hil.Harness.Targets;

/// <summary>
/// MAC addresses for targets (the reference node derives its id from its MAC). Generated ones are
/// locally administered (02:...) and unique among the targets of one harness process.
/// </summary>
public static class NodeMac
{
    private static int s_issued;

    /// <summary>The next unique locally administered MAC, e.g. 02:00:3a:f1:00:07.</summary>
    public static string Next()
    {
        int serial = Interlocked.Increment(ref s_issued);
        int pid = Environment.ProcessId;
        return Format([0x02, 0x00, (byte)(pid >> 8), (byte)pid, (byte)(serial >> 8), (byte)serial]);
    }

    public static byte[] Parse(string mac)
    {
        string[] parts = mac.Split(':');
        if (parts.Length != 6 || parts.Any(p => p.Length != 2 || !byte.TryParse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _)))
            throw new ArgumentException($"'{mac}' is not a MAC address (six hex pairs separated by ':').", nameof(mac));
        return parts.Select(p => byte.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
    }

    public static string Format(ReadOnlySpan<byte> mac) => string.Join(':', mac.ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
}
