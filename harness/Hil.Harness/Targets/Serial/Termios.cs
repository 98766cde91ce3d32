using System.Runtime.InteropServices;

namespace Hil.Harness.Targets.Serial;

/// <summary>
/// The few libc calls a serial port needs (Linux, glibc). The termios structure is kept opaque
/// (cfmakeraw and cfset*speed fill it); only c_cflag is touched directly, at its fixed offset 8.
/// </summary>
internal static unsafe partial class Termios
{
    public const int ORdWr = 0x2, ONoCtty = 0x100, ONonBlock = 0x800, OCloExec = 0x80000;
    public const int TcsaNow = 0, TciFlush = 0;
    public const uint CSize = 0x30, Cs8 = 0x30, CStopB = 0x40, CRead = 0x80, ParEnb = 0x100, HupCl = 0x400, CLocal = 0x800, CrtsCts = 0x8000_0000;
    public const uint TiocmGet = 0x5415, TiocmBis = 0x5416, TiocmBic = 0x5417, TiocmSet = 0x5418;
    public const int TiocmDtr = 0x002, TiocmRts = 0x004;
    public const short PollIn = 0x1, PollOut = 0x4, PollErr = 0x8, PollHup = 0x10, PollNval = 0x20;
    public const int EIntr = 4, EAgain = 11;
    public const int StructSize = 64; // sizeof(struct termios) is 60 on Linux
    public const int CflagOffset = 8;

    /// <summary>The B* speed constants of Linux's termios for the rates a board UART uses.</summary>
    public static uint SpeedConstant(int baud) => baud switch
    {
        9600 => 0x0D, 19200 => 0x0E, 38400 => 0x0F, 57600 => 0x1001, 115200 => 0x1002,
        230400 => 0x1003, 460800 => 0x1004, 500000 => 0x1005, 576000 => 0x1006, 921600 => 0x1007,
        _ => throw new ArgumentOutOfRangeException(nameof(baud), baud,
            "Supported baud rates: 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600."),
    };

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    public static partial int TcGetAttr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    public static partial int TcSetAttr(int fd, int optionalActions, byte* termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    public static partial void CfMakeRaw(byte* termios);

    [LibraryImport("libc", EntryPoint = "cfsetispeed", SetLastError = true)]
    public static partial int CfSetISpeed(byte* termios, uint speed);

    [LibraryImport("libc", EntryPoint = "cfsetospeed", SetLastError = true)]
    public static partial int CfSetOSpeed(byte* termios, uint speed);

    [LibraryImport("libc", EntryPoint = "tcflush", SetLastError = true)]
    public static partial int TcFlush(int fd, int queue);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, int* argument);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    public static string LastError() => Marshal.GetLastPInvokeErrorMessage();
}
