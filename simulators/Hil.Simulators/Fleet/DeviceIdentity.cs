namespace Hil.Simulators.Fleet;

/// <summary>
/// Who a simulated node is: its MAC and the node id derived from it (12 lowercase hex digits, the
/// platform contract), a name, the apiary it stands in, and what it runs.
/// </summary>
public sealed record DeviceIdentity(
    string Mac,
    string NodeId,
    string Name,
    string Apiary,
    double Latitude,
    double Longitude,
    string FirmwareVersion,
    int ProtocolVersion);
