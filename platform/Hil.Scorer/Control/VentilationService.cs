using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;

namespace Hil.Scorer.Control;

/// <summary>One request answered: the node, its decision, and the command id sent to it.</summary>
public sealed record VentilationOutcome(string NodeId, VentilationDecision Decision, string CommandId);

/// <summary>
/// The ventilation controller served over MQTT: requests on <see cref="RequestTopic"/>
/// (<c>{"node_id":"a1b2c3d4e5f6","temperature_c":36.2,"humidity_pct":64,"volume":0.02}</c>, volume
/// being the node's audio RMS) become a <c>set_flap</c> command on <c>devices/{id}/commands</c>; the
/// decision with its confidence goes to <see cref="DecisionTopic"/>. A malformed request is answered
/// on <see cref="ErrorTopic"/> with the reason, never silently dropped.
/// </summary>
public sealed partial class VentilationService : IAsyncDisposable
{
    public const string RequestTopic = "scorer/ventilation/requests";
    public const string DecisionTopic = "scorer/ventilation/decisions";
    public const string ErrorTopic = "scorer/ventilation/errors";
    private readonly MqttClient _client = new();
    // Requests are answered off the client's receive loop: a QoS 1 publish awaits a PUBACK that loop must read.
    private readonly Channel<MqttApplicationMessage> _requests = Channel.CreateUnbounded<MqttApplicationMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _worker;
    private int _sequence;

    private VentilationService() => _worker = Task.Run(ServeAsync);

    /// <summary>Raised after each answered request.</summary>
    public event Action<VentilationOutcome>? Decided;

    public static async Task<VentilationService> StartAsync(MqttClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var service = new VentilationService();
        service._client.ApplicationMessageReceivedAsync += e =>
        {
            service._requests.Writer.TryWrite(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        MqttClientConnectResult result = await service._client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            await service.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"The ventilation service could not connect to the broker: {result.ResultCode}.");
        }
        await service._client.SubscribeAsync(RequestTopic, MqttQos.AtLeastOnce, cancellationToken).ConfigureAwait(false);
        return service;
    }

    /// <summary>Parses a request; null and the reason when it is malformed.</summary>
    public static (string NodeId, double TemperatureC, double HumidityPct, double Volume)? ParseRequest(ReadOnlySpan<byte> payload, out string? error)
    {
        error = null;
        try
        {
            using JsonDocument json = JsonDocument.Parse(payload.ToArray());
            JsonElement root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object) { error = "a request is a JSON object"; return null; }
            if (!root.TryGetProperty("node_id", out JsonElement id) || id.ValueKind != JsonValueKind.String || !NodeIdPattern().IsMatch(id.GetString()!))
            {
                error = "node_id must be 12 lowercase hex digits";
                return null;
            }
            double Number(string name)
            {
                if (!root.TryGetProperty(name, out JsonElement v) || v.ValueKind != JsonValueKind.Number)
                    throw new FormatException($"{name} must be a number");
                return v.GetDouble();
            }
            return (id.GetString()!, Number("temperature_c"), Number("humidity_pct"), Number("volume"));
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            error = e is JsonException ? $"malformed JSON: {e.Message}" : e.Message;
            return null;
        }
    }

    /// <summary>Requests that could not be answered because publishing failed (the broker went away), with the reason.</summary>
    public IReadOnlyList<string> Failures => _failures.ToArray();

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _failures = new();

    private async Task ServeAsync()
    {
        await foreach (MqttApplicationMessage message in _requests.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await HandleAsync(message).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or OperationCanceledException)
            {
                _failures.Enqueue($"{message.PayloadText}: {e.Message}");
            }
        }
    }

    private async Task HandleAsync(MqttApplicationMessage message)
    {
        if (message.Topic != RequestTopic) return;
        var request = ParseRequest(message.Payload.Span, out string? error);
        if (request is not { } r)
        {
            string body = JsonSerializer.Serialize(new { error, request = message.PayloadText });
            await _client.PublishAsync(new MqttApplicationMessage(ErrorTopic, body, MqttQos.AtLeastOnce)).ConfigureAwait(false);
            return;
        }
        VentilationDecision decision = VentilationController.Decide(r.TemperatureC, r.HumidityPct, r.Volume);
        string commandId = string.Create(CultureInfo.InvariantCulture, $"vent-{Interlocked.Increment(ref _sequence)}");
        string command = JsonSerializer.Serialize(new { id = commandId, type = "set_flap", @params = new { position = decision.FlapPercent } });
        await _client.PublishAsync(new MqttApplicationMessage($"devices/{r.NodeId}/commands", command, MqttQos.AtLeastOnce)).ConfigureAwait(false);
        string published = JsonSerializer.Serialize(new
        {
            node_id = r.NodeId, command_id = commandId, position = decision.FlapPercent, confidence = decision.Confidence, reason = decision.Reason,
        });
        await _client.PublishAsync(new MqttApplicationMessage(DecisionTopic, published, MqttQos.AtLeastOnce)).ConfigureAwait(false);
        Decided?.Invoke(new VentilationOutcome(r.NodeId, decision, commandId));
    }

    [GeneratedRegex("^[0-9a-f]{12}$")]
    private static partial Regex NodeIdPattern();

    public async ValueTask DisposeAsync()
    {
        _requests.Writer.TryComplete();
        await _client.DisposeAsync().ConfigureAwait(false);
        await _worker.ConfigureAwait(false);
    }
}
