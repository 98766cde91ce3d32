namespace Hil.Harness.Targets.Serial;

/// <summary>How a board is reset.</summary>
public enum SerialReset
{
    /// <summary>The harness cannot reset the board; it must be running (and booting) when the target starts.</summary>
    None,
    /// <summary>Pulse DTR on the console device (USB-UART adapters wired to the reset pin).</summary>
    DtrPulse,
    /// <summary>Pulse RTS on the console device.</summary>
    RtsPulse,
    /// <summary>Run <see cref="SerialTargetOptions.ResetCommand"/> (e.g. <c>st-flash reset</c>, <c>openocd ... -c "reset run"</c>).</summary>
    Command,
}

/// <summary>Options of the serial target: a physical board whose UARTs are serial devices.</summary>
public sealed record SerialTargetOptions : TargetOptions
{
    /// <summary>The serial device of each channel, e.g. console → /dev/serial/by-id/usb-...-if00. A board may wire only some channels.</summary>
    public IReadOnlyDictionary<string, string> Devices { get; init; } = new Dictionary<string, string>();

    /// <summary>9600..921600 (8N1 always).</summary>
    public int BaudRate { get; init; } = 115200;

    /// <summary>RTS/CTS hardware flow control (off by default).</summary>
    public bool HardwareFlowControl { get; init; }

    public SerialReset Reset { get; init; } = SerialReset.None;

    /// <summary>Shell command run by <see cref="SerialReset.Command"/>; <c>{device}</c> is the console device.</summary>
    public string? ResetCommand { get; init; }

    /// <summary>How long the DTR/RTS line is held for a reset pulse.</summary>
    public TimeSpan ResetPulse { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Reset the board when the target starts, so its boot (ready line) is seen. Default: when it can be reset.</summary>
    public bool? ResetOnStart { get; init; }

    /// <summary>Shell command that flashes the board before start (openocd, st-flash, picotool...); <c>{firmware}</c> and <c>{device}</c> are substituted.</summary>
    public string? FlashCommand { get; init; }

    /// <summary>The image <c>{firmware}</c> stands for.</summary>
    public string? FirmwareImage { get; init; }

    public TimeSpan FlashTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a vanished device (USB re-enumeration) is waited for before the target fails.</summary>
    public TimeSpan ReopenTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>A time a channel's device was gone, and how long (USB re-enumeration, a loose cable).</summary>
public sealed record SerialGap(string Channel, string Device, DateTimeOffset LostAt, TimeSpan Duration)
{
    public override string ToString() =>
        $"channel '{Channel}' ({Device}) was gone for {Duration.TotalMilliseconds:0} ms from {LostAt:HH:mm:ss.fff}";
}
