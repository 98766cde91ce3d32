using Hil.Backend.Storage;
using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>What the backend stored: readings, registered nodes, dead letters.</summary>
[Binding]
public sealed class BackendSteps(NodeFleet fleet, ScenarioPlatform platform, PlatformState state, HarnessSettings settings)
{
    [Then("the backend stores {int} reading(s) for the node")]
    [StepExample("Then the backend stores 10 readings for the node")]
    public Task ThenTheBackendStores(int count) => Backend.StoresExactlyAsync(fleet.Node, count);

    [Then("the backend stores {int} reading(s) with no gaps and no duplicates")]
    [StepExample("Then the backend stores 20 readings with no gaps and no duplicates")]
    public async Task ThenTheBackendStoresWithoutGaps(int count) =>
        Backend.NoGapsNoDuplicates(fleet.Node, await Backend.StoresExactlyAsync(fleet.Node, count));

    [Then("the backend has every reading the node published, exactly once and in order")]
    [StepExample("Then the backend has every reading the node published, exactly once and in order")]
    public Task ThenTheBackendHasEveryReading() => Backend.HasEveryPublishedReadingAsync(fleet.Node);

    [Then("the backend has every reading of every node, exactly once and in order")]
    [StepExample("Then the backend has every reading of every node, exactly once and in order")]
    public Task ThenTheBackendHasEveryReadingOfEveryNode() => Task.WhenAll(fleet.Nodes.Select(Backend.HasEveryPublishedReadingAsync));

    [Then("the backend stores {int} reading(s) of protocol v{int} for the node")]
    [StepExample("Then the backend stores 5 readings of protocol v2 for the node")]
    public Task ThenTheBackendStoresOfProtocol(int count, int protocol) => Backend.StoresOfProtocolAsync(fleet.Node, count, protocol);

    [Then("the backend lists {int} node(s)")]
    [StepExample("Then the backend lists 1 node")]
    public Task ThenTheBackendListsNodes(int count) => Backend.ListsNodesAsync(count);

    [Then("each stored reading has temperature {float} and humidity {float}")]
    [StepExample("Then each stored reading has temperature 24.5 and humidity 58")]
    public async Task ThenEachStoredReadingHas(double temperature, double humidity)
    {
        IReadOnlyList<TelemetryRecord> rows = await platform.ReadingsAsync(fleet.Node.NodeId);
        TelemetryRecord? other = rows.FirstOrDefault(r => !Near(r.TemperatureC, temperature) || !Near(r.HumidityPct, humidity));
        Check.That(rows.Count > 0 && other is null, () =>
            $"Of {rows.Count} stored readings of '{fleet.Node.Name}', one has temperature {other?.TemperatureC} and humidity {other?.HumidityPct}, " +
            $"not {temperature} and {humidity}.\n{platform.Evidence(fleet.Node.NodeId)}");
    }

    [Then("the node is registered with firmware {string} and protocol v{int}")]
    [StepExample("Then the node is registered with firmware \"2.1.0\" and protocol v2")]
    public Task ThenTheNodeIsRegistered(string firmware, int protocol) => Backend.RegisteredAsync(fleet.Node, firmware, protocol);

    [Then("the node is registered with protocol v{int} and no firmware version")]
    [StepExample("Then the node is registered with protocol v1 and no firmware version")]
    public Task ThenTheNodeIsRegisteredWithoutFirmware(int protocol) => Backend.RegisteredAsync(fleet.Node, null, protocol);

    [Then("every node is registered with the protocol it speaks")]
    [StepExample("Then every node is registered with the protocol it speaks")]
    public Task ThenEveryNodeIsRegistered() =>
        Task.WhenAll(fleet.Nodes.Select(n => Backend.RegisteredAsync(n, n.Spec.ProtocolVersion == 1 ? null : n.Spec.FirmwareVersion, n.Spec.ProtocolVersion)));

    [Then("the backend keeps it as a dead letter with the reason {string}")]
    [StepExample("Then the backend keeps it as a dead letter with the reason \"unsupported protocol version 9\"")]
    public Task ThenADeadLetter(string reason) =>
        platform.WaitForDeadLetterAsync(d => d.Reason.Contains(reason, StringComparison.Ordinal) && d.Payload.Contains(state.DeviceId, StringComparison.Ordinal),
            $"from {state.DeviceId} with the reason \"{reason}\"", settings.StepTimeout);

    [Then("no reading is stored for that device")]
    [StepExample("Then no reading is stored for that device")]
    public async Task ThenNoReadingIsStoredForThatDevice()
    {
        IReadOnlyList<TelemetryRecord> rows = await platform.ReadingsAsync(state.DeviceId);
        Check.That(rows.Count == 0, () => $"The backend stored {rows.Count} reading(s) for {state.DeviceId}.\n{platform.Evidence(state.DeviceId)}");
    }

    private BackendChecks Backend => new(platform, settings);

    private static bool Near(double? actual, double expected) => actual is { } a && Math.Abs(a - expected) < 0.005;
}
