using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hil.Backend.Hosting;
using Hil.Backend.Storage;
using Hil.Gherkin.Runtime;
using Hil.Harness.Support;
using Hil.Mqtt.Broker;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Hil.Simulators.Modem;

namespace Hil.Steps.Drivers;

/// <summary>
/// The platform of one scenario (scenario-scoped): the embedded MQTT broker and the reference backend on
/// SQLite in a temporary folder, in-process on loopback, its own and fresh: taken from the run's <see cref="PlatformPool"/>
/// (started in the background meanwhile) by the first step that needs it, and given back to be stopped in the background
/// when the scenario ends. Nodes started after that (or in a scenario tagged @platform) bridge their modem to the broker.
/// The broker's observe hook keeps every message with its receive and deliver times (the per-hop evidence).
/// </summary>
public sealed class ScenarioPlatform(ScenarioCancellation cancellation, PlatformPool pool) : IAsyncDisposable
{
    private static long _startStopTicks;
    private readonly SemaphoreSlim _starting = new(1, 1);
    private PreparedPlatform? _platform;

    /// <summary>Nodes started from now on are bridged to the broker (set by "@platform" or the first platform step).</summary>
    public bool Wanted { get; set; }

    public bool IsRunning => _platform is not null;

    public PlatformHost Host => _platform?.Host ?? throw new InvalidOperationException("The platform is not running (a step should have started it).");

    public MqttBroker Broker => Host.Broker!;

    /// <summary>The backend's data folder, its own.</summary>
    public string DataDirectory => _platform?.DataDirectory ?? throw new InvalidOperationException("The platform is not running.");

    public IBackendStore Store => Host.Backend.Store;

    /// <summary>The backend's HTTP API as the bootstrap admin (an operator).</summary>
    public HttpClient Api => _platform?.Api ?? throw new InvalidOperationException("The platform is not running.");

    /// <summary>Every message the broker received or delivered, oldest first.</summary>
    public IReadOnlyList<BrokerMessageEvent> Traffic => _platform?.Traffic.ToArray() ?? [];

    private CancellationToken CancellationToken => cancellation.Token;

    /// <summary>
    /// Wall time this process's scenarios have spent getting and giving back their platforms (`hil bench suite` shows it apart):
    /// waiting for the pool's spare to finish starting, if it had not; the starting and stopping itself is in the background
    /// (<see cref="PlatformPool.BackgroundStartStopTime"/>).
    /// </summary>
    public static TimeSpan StartStopTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _startStopTicks));

    public async Task<PlatformHost> EnsureStartedAsync()
    {
        Wanted = true;
        if (_platform is not null) return _platform.Host;
        await _starting.WaitAsync(CancellationToken);
        try
        {
            if (_platform is not null) return _platform.Host;
            long started = Stopwatch.GetTimestamp();
            _platform = await pool.TakeAsync(CancellationToken);
            Interlocked.Add(ref _startStopTicks, Stopwatch.GetTimestamp() - started);
            return _platform.Host;
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>A modem uplink to the broker for a node being started, or null when the scenario does not use the platform.</summary>
    public async Task<IModemUplink?> UplinkForNodeAsync()
    {
        if (!Wanted) return null;
        PlatformHost host = await EnsureStartedAsync();
        return new BrokerUplink(host.MqttHost, host.MqttPort);
    }

    /// <summary>Every delivery from now on is decided by <paramref name="perturb"/> (null: deliver normally).</summary>
    public async Task PerturbAsync(Func<PendingDelivery, DeliveryAction>? perturb) => (await EnsureStartedAsync()).Broker!.Perturb = perturb;

    /// <summary>The broker goes down: every connection closed, no wills; it keeps its sessions and retained messages.</summary>
    public async Task StopBrokerAsync() => await (await EnsureStartedAsync()).Broker!.StopAsync(CancellationToken);

    /// <summary>
    /// The broker comes back on the same port, and the backend's session with it. The backend reconnects on wall time
    /// within tens of milliseconds (its backoff), long before any node, whose reconnect takes seconds of device time; on
    /// virtual time those seconds pass at once, so this waits for the backend as the real world would have.
    /// </summary>
    public async Task StartBrokerAsync()
    {
        PlatformHost host = await EnsureStartedAsync();
        await host.Broker!.StartAsync(CancellationToken);
        await Poll.UntilAsync(_ => Task.FromResult(host.Broker.ConnectedClientIds.Contains(PlatformHost.BackendClientId)), back => back,
            "the backend's session with the broker after its restart", TimeSpan.FromSeconds(30), interval: TimeSpan.FromMilliseconds(5),
            cancellationToken: CancellationToken);
    }

    /// <summary>Publishes one payload as device <paramref name="nodeId"/> would: its own MQTT session, QoS 1, its telemetry topic.</summary>
    public async Task PublishAsDeviceAsync(string nodeId, string payload)
    {
        PlatformHost host = await EnsureStartedAsync();
        await using var client = new MqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer(host.MqttHost, host.MqttPort).WithClientId(nodeId).Build();
        MqttClientConnectResult connected = await client.ConnectAsync(options, CancellationToken);
        if (!connected.IsSuccess) throw new InvalidOperationException($"The broker refused device '{nodeId}': {connected.ResultCode}.");
        await client.PublishAsync(new MqttApplicationMessage($"devices/{nodeId}/telemetry", payload, MqttQos.AtLeastOnce), CancellationToken);
        await client.DisconnectAsync(CancellationToken);
    }

    public async Task<IReadOnlyList<TelemetryRecord>> ReadingsAsync(string nodeId)
    {
        using WaitMeter.Scope answering = WaitMeter.Waiting();
        return _platform is null ? [] : await Store.QueryTelemetryAsync(nodeId, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 100_000, CancellationToken);
    }

    /// <summary>Waits (wall time: the backend runs on it) until at least <paramref name="count"/> readings of the node are stored.</summary>
    public async Task<IReadOnlyList<TelemetryRecord>> WaitForReadingsAsync(string nodeId, int count, TimeSpan timeout)
    {
        try
        {
            return await Poll.UntilAsync(_ => ReadingsAsync(nodeId), rows => rows.Count >= count,
                $"{count} stored reading(s) of {nodeId}", timeout, cancellationToken: CancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message.Split("; the last answer")[0]}; the backend has {(await ReadingsAsync(nodeId)).Count}.\n{Evidence(nodeId)}", e);
        }
    }

    public async Task<IReadOnlyList<DeadLetterRecord>> DeadLettersAsync()
    {
        using WaitMeter.Scope answering = WaitMeter.Waiting();
        return _platform is null ? [] : await Store.ListDeadLettersAsync(0, 10_000, CancellationToken);
    }

    public async Task<DeadLetterRecord> WaitForDeadLetterAsync(Func<DeadLetterRecord, bool> match, string awaited, TimeSpan timeout)
    {
        try
        {
            IReadOnlyList<DeadLetterRecord> letters = await Poll.UntilAsync(_ => DeadLettersAsync(), l => l.Any(match), awaited, timeout,
                cancellationToken: CancellationToken);
            return letters.First(match);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"No dead letter {awaited} within {timeout.TotalSeconds:0.#} s. The dead letters:\n" +
                $"{string.Join("\n", (await DeadLettersAsync()).Select(Describe))}\n{TrafficEvidence()}", e);
        }
    }

    public async Task<NodeRecord?> RegisteredNodeAsync(string nodeId)
    {
        using WaitMeter.Scope answering = WaitMeter.Waiting();
        return _platform is null ? null : await Store.GetNodeAsync(nodeId, CancellationToken);
    }

    /// <summary>The command as the backend stores it now (null: unknown).</summary>
    public async Task<CommandRecord?> StoredCommandAsync(string commandId)
    {
        using WaitMeter.Scope answering = WaitMeter.Waiting();
        return await Store.GetCommandAsync(commandId, CancellationToken);
    }

    /// <summary>Creates a command through the API, as an operator would; returns its id.</summary>
    public async Task<CommandRecord> CreateCommandAsync(string nodeId, string type, object parameters)
    {
        await EnsureStartedAsync();
        using WaitMeter.Scope answering = WaitMeter.Waiting();
        using HttpResponseMessage response = await Api.PostAsJsonAsync($"/api/v1/nodes/{nodeId}/commands", new { type, @params = parameters }, CancellationToken);
        string body = await response.Content.ReadAsStringAsync(CancellationToken);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST /api/v1/nodes/{nodeId}/commands answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<CommandRecord>(body, JsonSerializerOptions.Web)!;
    }

    public async Task<CommandRecord> CommandAsync(string commandId)
    {
        using WaitMeter.Scope answering = WaitMeter.Waiting();
        using HttpResponseMessage response = await Api.GetAsync($"/api/v1/commands/{commandId}", CancellationToken);
        string body = await response.Content.ReadAsStringAsync(CancellationToken);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET /api/v1/commands/{commandId} answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<CommandRecord>(body, JsonSerializerOptions.Web)!;
    }

    /// <summary>What the platform saw: the MQTT traffic of the node (or all) and its stored rows.</summary>
    public string Evidence(string? nodeId = null)
    {
        if (_platform is null) return "the platform was not started";
        var text = new StringBuilder(TrafficEvidence(nodeId));
        if (nodeId is not null)
        {
            IReadOnlyList<TelemetryRecord> rows = ReadingsAsync(nodeId).GetAwaiter().GetResult();
            text.AppendLine().AppendLine($"  backend rows of {nodeId}: {rows.Count}; the last:");
            foreach (TelemetryRecord row in rows.TakeLast(10))
                text.AppendLine($"    v{row.Version} boot={row.Boot} seq={row.Seq} t={row.TemperatureC} h={row.HumidityPct} received {row.ReceivedAt:HH:mm:ss.fff}");
        }
        IReadOnlyList<DeadLetterRecord> dead = DeadLettersAsync().GetAwaiter().GetResult();
        if (dead.Count > 0) text.AppendLine($"  dead letters: {dead.Count}; the last:").AppendJoin("\n", dead.TakeLast(5).Select(d => "    " + Describe(d)));
        return text.ToString().TrimEnd();
    }

    public string TrafficEvidence(string? nodeId = null, int last = 15)
    {
        BrokerMessageEvent[] seen = Traffic.Where(m => nodeId is null || m.Topic.Contains(nodeId, StringComparison.Ordinal)).ToArray();
        var text = new StringBuilder($"  MQTT messages the broker saw{(nodeId is null ? "" : $" for {nodeId}")}: {seen.Length}; the last:\n");
        foreach (BrokerMessageEvent m in seen.TakeLast(last))
            text.Append("    ").Append(m.ReceivedAt.ToString("HH:mm:ss.fff")).Append(' ').Append(m.SenderClientId)
                .Append(m.ReceiverClientId is null ? " published " : $" -> {m.ReceiverClientId} ").Append(m.Topic).Append(' ')
                .AppendLine(Encoding.UTF8.GetString(m.Payload.Span));
        return text.ToString().TrimEnd();
    }

    private static string Describe(DeadLetterRecord d) => $"#{d.Id} {d.Topic} \"{d.Reason}\": {d.Payload}";

    public async ValueTask DisposeAsync()
    {
        if (_platform is null) return;
        long stopping = Stopwatch.GetTimestamp();
        await pool.ReturnAsync(_platform);
        _platform = null;
        Interlocked.Add(ref _startStopTicks, Stopwatch.GetTimestamp() - stopping);
    }
}
