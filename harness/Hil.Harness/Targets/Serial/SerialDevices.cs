namespace Hil.Harness.Targets.Serial;

/// <summary>A serial device on this machine and its stable by-id name (what a bench file should use).</summary>
public sealed record SerialDeviceInfo(string Device, string? ById);

/// <summary>Lists USB and on-board serial devices, with the /dev/serial/by-id links that name them.</summary>
public static class SerialDevices
{
    private static readonly string[] Prefixes = ["ttyUSB", "ttyACM", "ttyAMA", "ttyS"];

    /// <param name="devRoot">The /dev folder (another root for tests).</param>
    public static IReadOnlyList<SerialDeviceInfo> List(string devRoot = "/dev")
    {
        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        string idFolder = Path.Combine(devRoot, "serial", "by-id");
        if (Directory.Exists(idFolder))
        {
            foreach (string link in Directory.GetFiles(idFolder))
            {
                string? target = new FileInfo(link).LinkTarget;
                if (target is not null) byId[Path.GetFullPath(Path.Combine(idFolder, target))] = link;
            }
        }
        var devices = new List<SerialDeviceInfo>();
        foreach (string prefix in Prefixes)
        {
            foreach (string device in Directory.Exists(devRoot) ? Directory.GetFiles(devRoot, prefix + "*") : [])
            {
                string number = Path.GetFileName(device)[prefix.Length..];
                if (number.Length == 0 || !number.All(char.IsAsciiDigit)) continue;
                // ttyS* are the on-board UARTs (32 of them on any PC): listed only when a by-id link names them.
                if (prefix == "ttyS" && !byId.ContainsKey(device)) continue;
                devices.Add(new SerialDeviceInfo(device, byId.GetValueOrDefault(device)));
            }
        }
        return devices.DistinctBy(d => d.Device).OrderBy(d => d.Device, StringComparer.Ordinal).ToArray();
    }
}
