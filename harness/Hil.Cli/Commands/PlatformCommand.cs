using System.CommandLine;
using Hil.Backend.Hosting;
using Microsoft.Extensions.Logging;

namespace Hil.Cli.Commands;

/// <summary>`hil platform up`: the broker and the reference backend in the foreground, until Ctrl+C.</summary>
internal static class PlatformCommand
{
    public static Command Create()
    {
        var http = new Option<string>("--http") { Description = "HTTP listen address HOST:PORT", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var mqtt = new Option<string>("--mqtt") { Description = "Embedded broker listen address HOST:PORT", DefaultValueFactory = _ => "127.0.0.1:1883" };
        var data = new Option<string>("--data") { Description = "Folder for the SQLite database and the token signing key", DefaultValueFactory = _ => "build/platform-data" };
        var broker = new Option<string?>("--broker") { Description = "Use this external broker (mqtt://HOST:PORT) instead of the embedded one" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string instead of SQLite" };
        var provisioning = new Option<Provisioning>("--provisioning")
        {
            Description = "open: unknown nodes register on first message (development); keys: only nodes with an API key",
            DefaultValueFactory = _ => Provisioning.Open,
        };
        var retention = new Option<int?>("--retention-days") { Description = "Delete telemetry older than this many days (default: keep everything)" };
        var retrain = new Option<double>("--anomaly-retrain-hours") { Description = "Retrain the anomaly forest from stored telemetry this often (0: never)", DefaultValueFactory = _ => 24 };
        var anomalyDays = new Option<double>("--anomaly-days") { Description = "Days of stored telemetry the anomaly forest learns from", DefaultValueFactory = _ => 7 };
        var anomalyModel = new Option<string?>("--anomaly-model") { Description = "Anomaly model file to start with (hil train anomaly --channels telemetry)" };
        var up = new Command("up", "Start the MQTT broker and the backend in the foreground and print their addresses")
            { http, mqtt, data, broker, postgres, provisioning, retention, retrain, anomalyDays, anomalyModel };
        up.SetAction((parse, ct) => CliErrors.GuardAsync(() => UpAsync(new PlatformSettings(
            Endpoint(parse.GetValue(http)!, "--http"), Endpoint(parse.GetValue(mqtt)!, "--mqtt"), parse.GetValue(data)!,
            parse.GetValue(broker), parse.GetValue(postgres), parse.GetValue(provisioning), parse.GetValue(retention),
            parse.GetValue(retrain), parse.GetValue(anomalyDays), parse.GetValue(anomalyModel)), ct)));
        var platform = new Command("platform", "The system the firmware talks to: broker and backend");
        platform.Subcommands.Add(up);
        return platform;
    }

    internal sealed record PlatformSettings((string Host, int Port) Http, (string Host, int Port) Mqtt, string Data,
        string? Broker, string? Postgres, Provisioning Provisioning, int? RetentionDays = null,
        double AnomalyRetrainHours = 24, double AnomalyDays = 7, string? AnomalyModel = null);

    internal static BackendOptions OptionsFor(PlatformSettings settings)
    {
        if (settings.RetentionDays is < 1 or > 36_500)
            throw new ArgumentException($"--retention-days takes a number of days from 1 to 36500, got {settings.RetentionDays}");
        if (settings.AnomalyRetrainHours is < 0 or > 24 * 366 || double.IsNaN(settings.AnomalyRetrainHours))
            throw new ArgumentException($"--anomaly-retrain-hours takes hours from 0 (never) to 8784, got {settings.AnomalyRetrainHours}");
        if (settings.AnomalyDays is <= 0 or > 366 || double.IsNaN(settings.AnomalyDays))
            throw new ArgumentException($"--anomaly-days takes days from more than 0 to 366, got {settings.AnomalyDays}");
        return new BackendOptions
        {
            HttpUrl = $"http://{settings.Http.Host}:{settings.Http.Port}", DataDirectory = settings.Data,
            PostgresConnectionString = settings.Postgres, Provisioning = settings.Provisioning, LogLevel = LogLevel.Warning,
            Retention = settings.RetentionDays is { } days ? TimeSpan.FromDays(days) : null,
            Anomaly = new Hil.Backend.Anomaly.AnomalyOptions
            {
                RetrainInterval = settings.AnomalyRetrainHours > 0 ? TimeSpan.FromHours(settings.AnomalyRetrainHours) : null,
                TrainingWindow = TimeSpan.FromDays(settings.AnomalyDays), ModelPath = settings.AnomalyModel,
            },
        };
    }

    private static async Task<int> UpAsync(PlatformSettings settings, CancellationToken cancellationToken)
    {
        var options = OptionsFor(settings);
        Uri? external = null;
        if (settings.Broker is { } uri && (!Uri.TryCreate(uri, UriKind.Absolute, out external) || external.Scheme != "mqtt"))
            throw new ArgumentException($"--broker takes mqtt://HOST:PORT, got '{uri}'");
        await using var platform = await PlatformHost.StartAsync(options, settings.Mqtt.Host, settings.Mqtt.Port, external, cancellationToken);
        var backend = platform.Backend;
        Console.WriteLine($"broker    mqtt://{platform.MqttHost}:{platform.MqttPort} ({(external is null ? "embedded" : "external")})");
        Console.WriteLine($"backend   {backend.HttpAddress} (storage: {backend.Store.Kind}, provisioning: {settings.Provisioning.ToString().ToLowerInvariant()}, " +
                          $"retention: {(settings.RetentionDays is { } d ? $"{d} days" : "keep everything")})");
        Console.WriteLine($"openapi   {new Uri(backend.HttpAddress, "/openapi/v1.json")}");
        Console.WriteLine($"admin     Authorization: Bearer {backend.AdminToken}");
        Console.WriteLine("press Ctrl+C to stop");
        try
        {
            await backend.WaitForShutdownAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: a normal stop.
        }
        return 0;
    }

    internal static (string Host, int Port) Endpoint(string value, string option)
    {
        int colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value[(colon + 1)..], out int port) || port is < 0 or > 65535)
            throw new ArgumentException($"{option} takes HOST:PORT (for example 127.0.0.1:8080), got '{value}'");
        return (value[..colon].Trim('[', ']'), port);
    }
}
