using Hil.Harness.Firmware;

namespace Hil.Steps.Drivers;

/// <summary>What a scenario asks for when it starts a node: which firmware build, on which target.</summary>
public sealed record NodeSpec(string? Backend = null, string FirmwareVersion = FirmwareVariant.DefaultFirmwareVersion,
    int ProtocolVersion = FirmwareVariant.DefaultProtocolVersion)
{
    /// <summary>The firmware/protocol pairs of the reference node's release history, used when a scenario names only one of them.</summary>
    public static int DefaultProtocolFor(string firmwareVersion) =>
        firmwareVersion.StartsWith("1.", StringComparison.Ordinal) ? 1 : firmwareVersion.StartsWith("2.", StringComparison.Ordinal) ? 2 : 3;

    public static string DefaultFirmwareFor(int protocolVersion) => protocolVersion switch { 1 => "1.4.2", 2 => "2.1.0", _ => "3.0.0" };
}
