using System.CommandLine;
using System.Text;
using Hil.Harness.Channels;
using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Simulators.Modem;

namespace Hil.Cli.Commands;

/// <summary>
/// `hil console`: starts a node with the modem emulator on its link and connects the terminal to
/// its console. Lines starting with ':' are harness commands (:help lists them).
/// </summary>
internal static class ConsoleCommand
{
    private const string Help = """
        harness commands (everything else goes to the node's console):
          :sensor TEMP HUM    send a sensor reading on the stimulus channel and publish it now
          :advance SECONDS    let device time pass (virtual clock) or wait (wall clock)
          :reset              hardware reset of the target
          :publishes          messages the node published through the modem
          :at                 the AT commands the node sent to the modem
          :quit               stop the target and exit (end of input does the same)
        """;

    public static Command Create()
    {
        Option<string> target = CommonOptions.Target();
        Option<string?> firmware = CommonOptions.Firmware();
        Option<ClockMode> clock = CommonOptions.Clock();
        var command = new Command("console", "Start a node and talk to its console interactively") { target, firmware, clock };
        command.SetAction((parse, ct) => CliErrors.GuardAsync(() =>
            RunAsync(parse.GetValue(target)!, parse.GetValue(firmware), parse.GetValue(clock), ct)));
        return command;
    }

    private static async Task<int> RunAsync(string backend, string? firmware, ClockMode clock, CancellationToken cancellationToken)
    {
        await using ITarget target = TargetFactory.Create(backend, "node-1", clock, firmware);
        var modem = new EspAtModem();
        modem.Attach(target.GetChannel(ChannelNames.Link));
        TargetChannel console = target.GetChannel(ChannelNames.Console);
        console.AddDevice(new TerminalEcho());
        Console.Error.WriteLine($"hil: starting the {backend} target ({clock} clock); type :help for harness commands");
        await target.StartAsync(cancellationToken);

        while (await Console.In.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith(':'))
            {
                await console.WriteLineAsync(line, cancellationToken);
                continue;
            }
            string[] words = line[1..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words.FirstOrDefault())
            {
                case "quit": return 0;
                case "reset": await target.ResetAsync(cancellationToken); break;
                case "advance" when words.Length == 2 && double.TryParse(words[1], out double seconds):
                    await target.Clock.AdvanceAsync(TimeSpan.FromSeconds(seconds), cancellationToken);
                    Console.Error.WriteLine($"hil: device time now {(await target.Clock.GetDeviceTimeAsync(cancellationToken)).TotalSeconds:0.###} s");
                    break;
                case "sensor" when words.Length == 3 && double.TryParse(words[1], out double t) && double.TryParse(words[2], out double h):
                    await target.GetChannel(ChannelNames.Stimulus).WriteAsync(StimulusFrames.Sensor(t, h, publishNow: true), cancellationToken);
                    break;
                case "publishes":
                    foreach (ModemPublish p in modem.Publishes) Console.Error.WriteLine($"  {p.At:HH:mm:ss.fff} {p.Topic} {p.Text}");
                    break;
                case "at":
                    foreach (string c in modem.Commands) Console.Error.WriteLine($"  {c}");
                    break;
                default: Console.Error.WriteLine(Help); break;
            }
        }
        return 0;
    }

    /// <summary>Copies the console's bytes to the terminal as they arrive.</summary>
    private sealed class TerminalEcho : IChannelDevice
    {
        public ValueTask OnReceivedAsync(TargetChannel channel, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Console.Out.Write(Encoding.UTF8.GetString(data.Span));
            Console.Out.Flush();
            return ValueTask.CompletedTask;
        }
    }
}
