using Hil.Backend.Storage;
using Hil.Steps.Steps;

namespace Hil.Steps.Drivers;

/// <summary>The backend-side expectations the steps share, each failing with the node's MQTT traffic and stored rows.</summary>
public sealed class BackendChecks(ScenarioPlatform platform, HarnessSettings settings)
{
    /// <summary>Waits for <paramref name="count"/> rows, then checks that there are no more than that.</summary>
    public async Task<IReadOnlyList<TelemetryRecord>> StoresExactlyAsync(FleetNode node, int count)
    {
        RequireBridged(node);
        await platform.WaitForReadingsAsync(node.NodeId, count, settings.StepTimeout);
        // Anything the node published has been acknowledged by the broker; the backend takes it in one batch.
        IReadOnlyList<TelemetryRecord> rows = await platform.WaitForReadingsAsync(node.NodeId, node.DistinctReadings.Count, settings.StepTimeout);
        Check.That(rows.Count == count, () => $"The backend stores {rows.Count} readings of '{node.Name}' ({node.NodeId}), not {count}.\n{platform.Evidence(node.NodeId)}");
        return rows;
    }

    /// <summary>Every reading the node put on its link is stored once, in the order it was first sent (a retried publish is the same reading).</summary>
    public async Task HasEveryPublishedReadingAsync(FleetNode node)
    {
        RequireBridged(node);
        // The node may still be publishing (its clock has stopped, its last message has not): wait for what it sent, then look
        // again. The modem records a publish before it goes to the broker, so what it sent, read after the rows, includes every
        // stored reading; until both settle, a fast backend can be a reading ahead of the list read before it.
        IReadOnlyList<TelemetryRecord> rows = await platform.WaitForReadingsAsync(node.NodeId, node.DistinctReadings.Count, settings.StepTimeout);
        IReadOnlyList<TelemetryReading> sent = node.DistinctReadings;
        while (sent.Count > rows.Count)
        {
            rows = await platform.WaitForReadingsAsync(node.NodeId, sent.Count, settings.StepTimeout);
            sent = node.DistinctReadings;
        }
        int retried = node.Readings.Count - sent.Count;
        string[] expected = sent.Select(r => $"{r.Boot}/{r.Sequence}").ToArray();
        string[] stored = rows.Select(r => $"{r.Boot}/{r.Seq}").ToArray();
        Check.That(expected.SequenceEqual(stored), () =>
            $"'{node.Name}' published {sent.Count} readings{(retried > 0 ? $" (and {retried} retried publish(es) of them)" : "")} (boot/seq {Summary(expected)}), the backend stores {rows.Count} ({Summary(stored)}).\n{platform.Evidence(node.NodeId)}");
    }

    /// <summary>Within each boot the stored seq runs 1, 2, 3 ... (v2+): a gap is a lost reading, a repeat a duplicate.</summary>
    public void NoGapsNoDuplicates(FleetNode node, IReadOnlyList<TelemetryRecord> rows)
    {
        foreach (IGrouping<long?, TelemetryRecord> boot in rows.GroupBy(r => r.Boot))
        {
            long?[] seqs = boot.Select(r => r.Seq).ToArray();
            bool consecutive = seqs.All(s => s is not null) && seqs[0] == 1 && seqs.Zip(seqs.Skip(1)).All(p => p.Second == p.First + 1);
            Check.That(consecutive, () => $"Stored readings of '{node.Name}' boot {boot.Key} are not consecutive from seq 1: seq {string.Join(",", seqs)}.\n{platform.Evidence(node.NodeId)}");
        }
    }

    /// <summary>Of the node's stored rows (all it published are awaited first), exactly <paramref name="count"/> are protocol v<paramref name="protocol"/>.</summary>
    public async Task StoresOfProtocolAsync(FleetNode node, int count, int protocol)
    {
        RequireBridged(node);
        IReadOnlyList<TelemetryRecord> rows = await platform.WaitForReadingsAsync(node.NodeId, node.Readings.Count, settings.StepTimeout);
        int matching = rows.Count(r => r.Version == protocol);
        Check.That(matching == count, () =>
            $"The backend stores {matching} protocol v{protocol} readings of '{node.Name}' ({node.NodeId}), not {count} " +
            $"(by version: {string.Join(", ", rows.GroupBy(r => r.Version).OrderBy(g => g.Key).Select(g => $"v{g.Key}: {g.Count()}"))}).\n{platform.Evidence(node.NodeId)}");
    }

    /// <summary>The backend's node registry holds exactly <paramref name="count"/> nodes (a node that changed id would be two).</summary>
    public async Task ListsNodesAsync(int count)
    {
        _ = platform.Host;
        IReadOnlyList<NodeRecord> nodes = await platform.Store.ListNodesAsync();
        Check.That(nodes.Count == count, () =>
            $"The backend lists {nodes.Count} node(s), not {count}: {string.Join(", ", nodes.Select(n => $"{n.Id} (fw {n.Firmware}, v{n.ProtocolVersion})"))}.\n{platform.Evidence()}");
    }

    public async Task RegisteredAsync(FleetNode node, string? firmware, int protocol)
    {
        RequireBridged(node);
        NodeRecord? registered = await platform.RegisteredNodeAsync(node.NodeId);
        Check.That(registered is not null && registered.Firmware == firmware && registered.ProtocolVersion == protocol, () =>
            (registered is null ? $"The backend has not registered '{node.Name}' ({node.NodeId})."
                : $"The backend registered '{node.Name}' with firmware \"{registered.Firmware}\" and protocol v{registered.ProtocolVersion}, " +
                  $"not \"{firmware}\" and v{protocol}.") + $"\n{platform.Evidence(node.NodeId)}");
    }

    private void RequireBridged(FleetNode node)
    {
        if (node.Modem.Uplink is null)
            throw new InvalidOperationException($"'{node.Name}' was started before the platform, so its modem is not bridged to the broker: " +
                                                "tag the scenario @platform, or begin it with \"Given the platform is running\".");
        _ = platform.Host;
    }

    private static string Summary(string[] ids) => ids.Length <= 12 ? string.Join(" ", ids) : $"{string.Join(" ", ids.Take(6))} ... {string.Join(" ", ids.TakeLast(6))}";
}
