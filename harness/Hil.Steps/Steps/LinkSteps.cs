using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>What the node publishes through its modem: the telemetry protocol as seen on the link.</summary>
[Binding]
public sealed class LinkSteps(NodeFleet fleet)
{
    private FleetNode Node => fleet.Node;

    [Then("the link carries {int} reading(s) from the node")]
    [StepExample("Then the link carries 10 readings from the node")]
    public void ThenTheLinkCarries(int count) =>
        Check.That(Node.Readings.Count == count, () => $"The link carries {Node.Readings.Count} readings from '{Node.Name}' on {Node.TelemetryTopic}, not {count}.");

    [Then("the link carries at least {int} reading(s) from the node")]
    [StepExample("Then the link carries at least 60 readings from the node")]
    public void ThenTheLinkCarriesAtLeast(int count) =>
        Check.That(Node.Readings.Count >= count, () => $"The link carries only {Node.Readings.Count} readings from '{Node.Name}', fewer than {count}.");

    [Then("every reading on the link is protocol v{int}")]
    [StepExample("Then every reading on the link is protocol v2")]
    public void ThenEveryReadingIsProtocol(int protocol)
    {
        IReadOnlyList<TelemetryReading> readings = Node.Readings;
        Check.That(readings.Count > 0, () => $"'{Node.Name}' has published no reading on {Node.TelemetryTopic}.");
        TelemetryReading? other = readings.FirstOrDefault(r => r.Protocol != protocol);
        Check.That(other is null, () => $"A reading of '{Node.Name}' is protocol v{other!.Protocol}, not v{protocol}: {other}");
    }

    [Then("the last reading on the link has the fields {string}")]
    [StepExample("Then the last reading on the link has the fields \"v, node_id, fw, boot, seq, uptime_ms\"")]
    public void ThenTheLastReadingHasFields(string fields)
    {
        TelemetryReading last = LastReading();
        string[] missing = Split(fields).Where(f => !last.Fields.Contains(f)).ToArray();
        Check.That(missing.Length == 0, () => $"The last reading of '{Node.Name}' lacks {string.Join(", ", missing)}: {last}");
    }

    [Then("the last reading on the link has none of the fields {string}")]
    [StepExample("Then the last reading on the link has none of the fields \"v, seq, audio\"")]
    public void ThenTheLastReadingHasNoneOf(string fields)
    {
        TelemetryReading last = LastReading();
        string[] present = Split(fields).Where(last.Fields.Contains).ToArray();
        Check.That(present.Length == 0, () => $"The last reading of '{Node.Name}' has {string.Join(", ", present)}: {last}");
    }

    [Then("the last reading on the link has temperature {float} and humidity {float}")]
    [StepExample("Then the last reading on the link has temperature 24.5 and humidity 58")]
    public void ThenTheLastReadingHasValues(double temperature, double humidity)
    {
        TelemetryReading last = LastReading();
        Check.That(Near(last.Temperature, temperature) && Near(last.Humidity, humidity),
            () => $"The last reading of '{Node.Name}' has temperature {last.Temperature} and humidity {last.Humidity}, not {temperature} and {humidity}: {last}");
    }

    [Then("consecutive readings on the link are {int} ms apart in uptime_ms")]
    [StepExample("Then consecutive readings on the link are 5000 ms apart in uptime_ms")]
    public void ThenReadingsAreApart(int milliseconds)
    {
        IReadOnlyList<TelemetryReading> readings = Node.Readings;
        Check.That(readings.Count >= 2, () => $"'{Node.Name}' has published {readings.Count} reading(s); two are needed to see their spacing.");
        Check.That(readings.All(r => r.UptimeMs is not null), () => $"A reading of '{Node.Name}' has no uptime_ms: {readings.First(r => r.UptimeMs is null)}");
        var gaps = readings.Zip(readings.Skip(1), (a, b) => (a, b)).Where(p => p.b.Boot == p.a.Boot)
            .Select(p => (Gap: p.b.UptimeMs!.Value - p.a.UptimeMs!.Value, p.a, p.b)).ToList();
        var wrong = gaps.FirstOrDefault(g => g.Gap != milliseconds);
        Check.That(wrong.a is null, () => $"Readings {wrong.a!.Sequence} and {wrong.b!.Sequence} of '{Node.Name}' are {wrong.Gap} ms apart in uptime_ms, not {milliseconds}: " +
                                          string.Join(", ", gaps.Select(g => g.Gap)));
    }

    [Then("the readings on the link were taken at uptime {int} ms and every {int} ms after, {int} in all")]
    [StepExample("Then the readings on the link were taken at uptime 6000 ms and every 5000 ms after, 12 in all")]
    public void ThenTheReadingsWereTakenAt(int first, int every, int count)
    {
        long?[] actual = Node.Readings.Select(r => r.UptimeMs).ToArray();
        long?[] expected = Enumerable.Range(0, count).Select(i => (long?)(first + (long)i * every)).ToArray();
        Check.That(actual.SequenceEqual(expected),
            () => $"'{Node.Name}' took its readings at uptime {string.Join(", ", actual)} ms, not {string.Join(", ", expected)}.");
    }

    [Then("the last reading on the link has {int} audio bins and the inference label {word}")]
    [StepExample("Then the last reading on the link has 16 audio bins and the inference label normal")]
    public void ThenTheLastReadingHasAudio(int bins, string label)
    {
        TelemetryReading last = LastReading();
        Check.That(last.AudioBins == bins && last.InferenceLabel == label,
            () => $"The last reading of '{Node.Name}' has {last.AudioBins?.ToString() ?? "no"} audio bins and inference label {last.InferenceLabel ?? "(none)"}, not {bins} and {label}: {last}");
    }

    [Then("the last reading on the link names inference model version {int}")]
    [StepExample("Then the last reading on the link names inference model version 2")]
    public void ThenTheLastReadingNamesModelVersion(int version)
    {
        TelemetryReading last = LastReading();
        Check.That(last.ModelVersion == version, () => $"The last reading of '{Node.Name}' names inference model version {last.ModelVersion?.ToString() ?? "(none)"}, not {version}: {last}");
    }

    [Then("the last reading on the link has battery {int} mV and RSSI {int} dBm")]
    [StepExample("Then the last reading on the link has battery 3700 mV and RSSI -60 dBm")]
    public void ThenTheLastReadingHasBattery(int batteryMv, int rssiDbm)
    {
        TelemetryReading last = LastReading();
        Check.That(last.BatteryMv == batteryMv && last.RssiDbm == rssiDbm,
            () => $"The last reading of '{Node.Name}' has battery {last.BatteryMv} mV and RSSI {last.RssiDbm} dBm, not {batteryMv} and {rssiDbm}: {last}");
    }

    [Then("the last reading on the link has error flags {int}")]
    [StepExample("Then the last reading on the link has error flags 1")]
    public void ThenTheLastReadingHasErrorFlags(int flags)
    {
        TelemetryReading last = LastReading();
        Check.That(last.ErrorFlags == flags, () => $"The last reading of '{Node.Name}' has error_flags {last.ErrorFlags?.ToString() ?? "(none)"}, not {flags}: {last}");
    }

    [Then("the readings on the link report firmware {string}")]
    [StepExample("Then the readings on the link report firmware \"2.1.0\"")]
    public void ThenTheReadingsReportFirmware(string firmware)
    {
        TelemetryReading? other = Node.Readings.FirstOrDefault(r => r.Firmware != firmware);
        Check.That(Node.Readings.Count > 0 && other is null, () => $"'{Node.Name}' reported firmware \"{other?.Firmware}\", not \"{firmware}\": {other}");
    }

    [Then("the readings on the link have no gaps and no duplicates")]
    [StepExample("Then the readings on the link have no gaps and no duplicates")]
    public void ThenNoGapsNoDuplicates()
    {
        foreach (FleetNode node in fleet.Nodes) CheckSequence(node);
    }

    [Then("the readings missing on the link are the oldest of the outage, as many as the node counts as dropped")]
    [StepExample("Then the readings missing on the link are the oldest of the outage, as many as the node counts as dropped")]
    public async Task ThenTheMissingReadingsAreTheDroppedOnes()
    {
        long[] sequence = Node.Readings.Where(r => r.Boot == Node.Readings[0].Boot).Select(r => r.Sequence ?? 0).ToArray();
        var missing = Enumerable.Range(1, (int)sequence.Max()).Select(s => (long)s).Except(sequence).ToArray();
        long dropped = long.Parse((await Node.StatusAsync(fleet.CancellationToken))["dropped"], System.Globalization.CultureInfo.InvariantCulture);
        Check.That(dropped > 0, () => $"'{Node.Name}' dropped no reading: the outage was shorter than its buffer. Sequence: {Abbreviated(sequence)}");
        Check.That(missing.Length == dropped, () => $"{missing.Length} readings of '{Node.Name}' are missing on the link ({string.Join(",", missing)}), " +
                                                    $"but it counts {dropped} dropped. Sequence: {Abbreviated(sequence)}");
        Check.That(missing.Last() - missing.First() == missing.Length - 1 && sequence.Distinct().Count() == sequence.Length &&
                   sequence.SequenceEqual(sequence.Order()),
            () => $"The readings missing on the link are not one run of the oldest of the outage, or some repeat: missing {string.Join(",", missing)}; sequence: {Abbreviated(sequence)}");
        // The oldest are the ones dropped: the run of missing readings starts right after the last one published before the outage.
        long firstOfOutage = Node.ReadingsBeforeLastOutage == 0 ? 1 : Node.Readings[Node.ReadingsBeforeLastOutage - 1].Sequence!.Value + 1;
        Check.That(missing.First() == firstOfOutage,
            () => $"The readings missing on the link ({string.Join(",", missing)}) are not the oldest of the outage, which began after seq {firstOfOutage - 1}: " +
                  $"the node dropped newer ones. Sequence: {Abbreviated(sequence)}");
    }

    [Then("every node publishes under its own id")]
    [StepExample("Then every node publishes under its own id")]
    public void ThenEveryNodePublishesUnderItsOwnId()
    {
        Check.That(fleet.Nodes.Select(n => n.NodeId).Distinct().Count() == fleet.Nodes.Count,
            () => $"Nodes share an id: {string.Join(", ", fleet.Nodes.Select(n => $"{n.Name}={n.NodeId}"))}");
        foreach (FleetNode node in fleet.Nodes)
        {
            TelemetryReading? foreign = node.Readings.FirstOrDefault(r => r.NodeId != node.NodeId);
            Check.That(node.Readings.Count > 0 && foreign is null,
                () => $"'{node.Name}' ({node.NodeId}) published {node.Readings.Count} readings, one under another id: {foreign}");
        }
    }

    /// <summary>
    /// Within each boot, seq counts 1, 2, 3 ... (v2+): a gap is a lost reading, a repeat a duplicate. The modem
    /// sees the node from its first boot on, so a boot whose first reading is not seq 1 lost the ones before.
    /// </summary>
    private static void CheckSequence(FleetNode node)
    {
        IReadOnlyList<TelemetryReading> readings = node.Readings;
        Check.That(readings.Count > 0 && readings.All(r => r.Sequence is not null && r.Boot is not null),
            () => $"'{node.Name}' published {readings.Count} readings, and only protocol v2+ readings carry boot and seq.");
        foreach (var boot in readings.GroupBy(r => r.Boot))
        {
            long[] sequence = boot.Select(r => r.Sequence!.Value).ToArray();
            Check.That(sequence[0] == 1, () => $"'{node.Name}' boot {boot.Key}: the first reading on the link is seq {sequence[0]} " +
                                               $"({sequence[0] - 1} lost before it); sequence: {Abbreviated(sequence)}");
            for (int i = 1; i < sequence.Length; i++)
            {
                int at = i;
                Check.That(sequence[at] == sequence[at - 1] + 1,
                    () => $"'{node.Name}' boot {boot.Key}: seq {sequence[at]} follows {sequence[at - 1]} " +
                          $"({(sequence[at] <= sequence[at - 1] ? "duplicate or out of order" : $"{sequence[at] - sequence[at - 1] - 1} lost")}); sequence: {Abbreviated(sequence)}");
            }
        }
    }

    private static string Abbreviated(long[] sequence) => sequence.Length <= 40 ? string.Join(",", sequence)
        : $"{string.Join(",", sequence.Take(20))} ... {string.Join(",", sequence.TakeLast(10))} ({sequence.Length} readings)";

    private TelemetryReading LastReading() => Node.Readings.LastOrDefault()
        ?? throw new ExpectationFailedException($"'{Node.Name}' has published no reading on {Node.TelemetryTopic}.");

    private static IEnumerable<string> Split(string list) => list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static bool Near(double? actual, double expected) => actual is { } a && Math.Abs(a - expected) < 0.005;
}
