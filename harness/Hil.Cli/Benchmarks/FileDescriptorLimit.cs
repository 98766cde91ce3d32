using System.Runtime.InteropServices;

namespace Hil.Cli.Benchmarks;

/// <summary>
/// The process's open-file limit (RLIMIT_NOFILE). Ten thousand loopback connections to an
/// in-process broker need two descriptors each, beyond a typical soft limit; children started
/// afterwards (Mosquitto) inherit the raised limit.
/// </summary>
internal static class FileDescriptorLimit
{
    private const int RlimitNoFile = 7; // Linux

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int setrlimit(int resource, ref RLimit limit);

    /// <summary>Raises the soft limit to <paramref name="wanted"/> (and the hard one too when allowed, as root is); returns the limit now in force.</summary>
    public static ulong RaiseTo(ulong wanted)
    {
        if (!OperatingSystem.IsLinux()) return ulong.MaxValue;
        if (getrlimit(RlimitNoFile, out RLimit limit) != 0) return 0;
        if (limit.Current >= wanted) return limit.Current;
        var raised = new RLimit { Current = wanted, Maximum = Math.Max(limit.Maximum, wanted) };
        if (setrlimit(RlimitNoFile, ref raised) != 0)
        {
            // Not privileged to raise the hard limit: go as far as it allows.
            raised = new RLimit { Current = Math.Min(wanted, limit.Maximum), Maximum = limit.Maximum };
            if (setrlimit(RlimitNoFile, ref raised) != 0) return limit.Current;
        }
        return raised.Current;
    }
}
