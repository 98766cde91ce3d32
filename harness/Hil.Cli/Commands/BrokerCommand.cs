using System.CommandLine;
using System.Net;
using Hil.Mqtt.Broker;

namespace Hil.Cli.Commands;

/// <summary>`hil broker`: the embedded MQTT 3.1.1 broker in the foreground, one log line per connect, close or refusal, until Ctrl-C.</summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port", "-p") { Description = "TCP port to listen on (0 picks a free one)", DefaultValueFactory = _ => 1883 };
        var address = new Option<string>("--address") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var command = new Command("broker", "Run the embedded MQTT 3.1.1 broker in the foreground until Ctrl-C") { port, address };
        command.SetAction((parse, ct) => CliErrors.GuardAsync(() => RunAsync(parse.GetValue(address)!, parse.GetValue(port), ct)));
        return command;
    }

    private static async Task<int> RunAsync(string address, int port, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(address, out IPAddress? ip)) throw new ArgumentException($"--address '{address}' is not an IP address");
        if (port is < 0 or > 65535) throw new ArgumentException($"--port {port} is outside 0-65535");
        var options = new MqttBrokerOptions
        {
            Address = ip,
            Port = port,
            Log = line => Console.Out.WriteLine($"{TimeProvider.System.GetLocalNow():HH:mm:ss.fff} {line}"),
        };
        await using var broker = new MqttBroker(options);
        await broker.StartAsync(cancellationToken);
        Console.Error.WriteLine($"hil: MQTT broker listening on {ip}:{broker.Port}; Ctrl-C stops it");
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: the normal way to stop a foreground broker.
        }
        await broker.StopAsync(CancellationToken.None);
        Console.Error.WriteLine("hil: broker stopped");
        return 0;
    }
}
