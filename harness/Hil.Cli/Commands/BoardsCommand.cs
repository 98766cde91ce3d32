using System.CommandLine;
using Hil.Harness.Targets.Serial;

namespace Hil.Cli.Commands;

/// <summary>`hil boards`: the serial devices here, with the by-id names a bench file should use.</summary>
internal static class BoardsCommand
{
    public static Command Create()
    {
        var command = new Command("boards", "List serial devices (boards) with their /dev/serial/by-id names, for bench files");
        command.SetAction(_ =>
        {
            IReadOnlyList<SerialDeviceInfo> devices = SerialDevices.List();
            if (devices.Count == 0)
            {
                Console.WriteLine("No serial devices found (looked for /dev/ttyUSB*, /dev/ttyACM*, /dev/ttyAMA* and /dev/serial/by-id).");
                return 0;
            }
            foreach (SerialDeviceInfo device in devices)
                Console.WriteLine($"{device.Device,-16} {device.ById ?? "(no by-id name: the path may change when replugged)"}");
            return 0;
        });
        return command;
    }
}
