using System.Diagnostics;
using System.Text.Json;
using Hil.Harness.Bench;
using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Simulators.Modem;

namespace Hil.Cli.Commands;

/// <summary>
/// `hil run --bench FILE`: boots every target a bench file describes and checks version (against
/// the bench's firmware version), status and a stimulus → telemetry round trip, one line per check.
/// The scenario suite on bench targets comes next (issue 7); these checks prove the wiring.
/// </summary>
internal static class BenchChecks
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(string file, CancellationToken cancellationToken)
    {
        Bench bench = BenchLoader.Load(file);
        IReadOnlyList<string> missing = BenchLoader.MissingDevices(bench);
        if (missing.Count > 0) throw new BenchFileException(missing.Select(m => $"{file}: {m}").ToArray());
        Console.WriteLine($"hil run: bench '{bench.Name}' ({file})");
        var checks = new CheckReport();
        IReadOnlyList<ITarget> targets = await BenchTargets.CreateAsync(bench, cancellationToken: cancellationToken);
        try
        {
            foreach ((ITarget target, BenchTarget entry) in targets.Zip(bench.Targets.SelectMany(t => t.InstanceNames.Select(_ => t))))
            {
                Console.WriteLine($"target {target.Name} ({target.Backend})");
                await CheckTargetAsync(target, checks, entry.Firmware?.Version, cancellationToken);
                await target.StopAsync(cancellationToken);
            }
        }
        finally
        {
            foreach (ITarget target in targets) await target.DisposeAsync();
        }
        return checks.Finish();
    }

    /// <summary>The checks of one target: boot, version (matching the bench's firmware version, when given), status, telemetry.</summary>
    private static async Task CheckTargetAsync(ITarget target, CheckReport checks, string? expectedVersion, CancellationToken cancellationToken)
    {
        var modem = new EspAtModem();
        modem.Attach(target.GetChannel(ChannelNames.Link));
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));

        bool booted = await checks.RunAsync("boot to prompt", async () =>
        {
            var clock = Stopwatch.StartNew();
            await target.StartAsync(cancellationToken);
            await console.WaitForPromptAsync(Wait, cancellationToken);
            return $"{clock.Elapsed.TotalMilliseconds:0.0} ms";
        });
        if (!booted) return;

        await checks.RunAsync("version", async () =>
        {
            ConsoleReply version = await console.ExecuteOkAsync("version", cancellationToken: cancellationToken);
            if (expectedVersion is not null && version["fw"] != expectedVersion)
                throw new InvalidOperationException($"the bench expects firmware {expectedVersion}, the node runs {version["fw"]}: {version.Text}");
            return version.Text;
        });

        string nodeId = "";
        await checks.RunAsync("status", async () =>
        {
            ConsoleReply status = await console.ExecuteOkAsync("status", cancellationToken: cancellationToken);
            nodeId = status["node"];
            return $"node={nodeId} boot={status["boot"]} uptime_ms={status["uptime_ms"]} stack_peak={status["stack_peak"]}";
        });

        await checks.RunAsync("stimulus -> telemetry", async () =>
        {
            await console.Channel.WaitForAsync(_ => modem.MqttConnected, "the node's MQTT connection through the modem", Wait, cancellationToken);
            string topic = $"devices/{nodeId}/telemetry";
            int before = modem.Publishes.Count;
            var clock = Stopwatch.StartNew();
            await target.GetChannel(ChannelNames.Stimulus).WriteAsync(
                StimulusFrames.Sensor(24.5, 58, publishNow: true), cancellationToken);
            ModemPublish publish = await modem.WaitForPublishAsync(
                p => p.Topic == topic, $"on {topic}", Wait, skip: before, cancellationToken);
            using JsonDocument json = JsonDocument.Parse(publish.Payload);
            double temperature = json.RootElement.TryGetProperty("temperature_c", out JsonElement t) ? t.GetDouble()
                : json.RootElement.GetProperty("temp").GetDouble();
            if (Math.Abs(temperature - 24.5) > 0.001)
                throw new InvalidOperationException($"the node published {temperature} °C for a 24.5 °C stimulus: {publish.Text}");
            return $"24.5 °C published on {topic} after {clock.Elapsed.TotalMilliseconds:0.0} ms";
        });
    }
}
