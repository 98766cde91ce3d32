using Hil.Backend.Protocol;
using Hil.Backend.Storage;
using Hil.Backend.Tests.Support;

namespace Hil.Backend.Tests.Storage;

/// <summary>Store behaviour below the API: migrations, batches with repeated keys, retention. Both databases.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public sealed class StoreTests(string storage)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private string? _folder;

    private async Task<IBackendStore> OpenAsync()
    {
        if (storage == "postgres") return new PostgresStore(await (await TestDatabases.PostgresAsync()).CreateDatabaseAsync());
        _folder = Directory.CreateTempSubdirectory("hil-store-").FullName;
        return new SqliteStore(Path.Combine(_folder, "hil.db"));
    }

    [TearDown]
    public void RemoveFolder()
    {
        if (_folder is not null) Directory.Delete(_folder, recursive: true);
        _folder = null;
    }

    private static IngestedTelemetry Row(string node, long seq, DateTimeOffset at) =>
        new(new TelemetryMessage { NodeId = node, Version = 2, Boot = 1, Seq = seq, TemperatureC = seq }, at, "test");

    [Test]
    public async Task Migrating_twice_is_harmless_and_a_batch_with_a_repeated_key_stores_it_once()
    {
        await using var store = await OpenAsync();
        await store.MigrateAsync();
        await store.MigrateAsync();
        string node = RunningBackend.NewNodeId();
        bool[] stored = await store.WriteTelemetryAsync([Row(node, 1, Day), Row(node, 2, Day), Row(node, 1, Day.AddSeconds(1))]);
        Assert.That(stored, Is.EqualTo(new[] { true, true, false }));
        Assert.That(await store.WriteTelemetryAsync([Row(node, 2, Day.AddDays(1))]), Is.EqualTo(new[] { false }), "a key from an earlier batch and another day");
        var node1 = await store.GetNodeAsync(node);
        Assert.That(node1!.MessageCount, Is.EqualTo(2));
    }

    [Test]
    public async Task Unacknowledged_commands_are_sent_again_and_each_send_is_counted_with_its_time()
    {
        await using var store = await OpenAsync();
        await store.MigrateAsync();
        string node = RunningBackend.NewNodeId();
        CommandRecord Command(string id, DateTimeOffset created) =>
            new(id, node, "set_flap", null, CommandStatus.Queued, created, created.AddHours(1), null, null, null, null, null);
        async Task<string[]> ToSend(bool includeDelivered) =>
            (await store.CommandsToSendAsync(node, includeDelivered, Day.AddSeconds(6))).Select(c => c.Id).ToArray();
        await store.CreateCommandAsync(Command("c1", Day));
        await store.CreateCommandAsync(Command("c2", Day.AddSeconds(1)));
        await store.CreateCommandAsync(Command("c3", Day.AddSeconds(2)));
        foreach (string id in new[] { "c1", "c2", "c3" }) await store.MarkDeliveredAsync(id, "mqtt", Day.AddSeconds(3));
        await store.CompleteCommandAsync(node, "c2", CommandStatus.Done, null, "mqtt", Day.AddSeconds(4));
        await store.CreateCommandAsync(Command("c4", Day.AddSeconds(5)));

        Assert.That(await ToSend(includeDelivered: false), Is.EqualTo(new[] { "c4" }));
        Assert.That(await ToSend(includeDelivered: true), Is.EqualTo(new[] { "c1", "c3", "c4" }), "all but the acknowledged c2, oldest first");
        CommandRecord? again = await store.MarkDeliveredAsync("c1", "mqtt", Day.AddSeconds(7));
        Assert.That((again?.Status, again?.DeliveredAt, again?.Deliveries), Is.EqualTo((CommandStatus.Delivered, (DateTimeOffset?)Day.AddSeconds(7), 2)));
        Assert.That(await store.MarkDeliveredAsync("c2", "mqtt", Day.AddSeconds(7)), Is.Null, "a final command is not sent");
        Assert.That((await store.GetCommandAsync("c2"))!.Deliveries, Is.EqualTo(1));
        // The node's ack overtook the record of the send: the ack proves one delivery.
        CommandRecord? acked = await store.CompleteCommandAsync(node, "c4", CommandStatus.Done, "flap=70", "mqtt", Day.AddSeconds(8));
        Assert.That((acked?.DeliveredAt, acked?.DeliveredVia, acked?.Deliveries, acked?.CompletedAt),
            Is.EqualTo(((DateTimeOffset?)Day.AddSeconds(8), "mqtt", 1, (DateTimeOffset?)Day.AddSeconds(8))), "delivered by the way the ack came");
    }

    [Test]
    public async Task Retention_removes_old_telemetry_and_keeps_recent()
    {
        await using var store = await OpenAsync();
        await store.MigrateAsync();
        string node = RunningBackend.NewNodeId();
        await store.WriteTelemetryAsync([Row(node, 1, Day), Row(node, 2, Day.AddDays(1)), Row(node, 3, Day.AddDays(3))]);
        await store.ApplyRetentionAsync(Day.AddDays(2));
        var left = await store.QueryTelemetryAsync(node, DateTimeOffset.UnixEpoch, Day.AddYears(1), 100);
        Assert.That(left.Select(r => r.Seq), Is.EqualTo(new long?[] { 3 }));
        // Retention forgets the keys too: a node whose counters restarted long ago is not mistaken for a redelivery.
        Assert.That(await store.WriteTelemetryAsync([Row(node, 1, Day.AddDays(4))]), Is.EqualTo(new[] { true }));
    }

    private static InferenceRecord Inference(string node, long? capture, DateTimeOffset at, string label = "event") =>
        new(node, at, 2, capture, 1000, "bee-mlp-3", 2, label, label == "event" ? 0.97 : 0.02, 0.05, 2.4, label == "event", true, 3, 62);

    [Test]
    public async Task An_inference_is_stored_once_per_boot_and_capture_queried_by_time_and_expires_with_retention()
    {
        await using var store = await OpenAsync();
        await store.MigrateAsync();
        string node = RunningBackend.NewNodeId();
        Assert.That(await store.WriteInferenceAsync(Inference(node, 1, Day)), Is.True);
        Assert.That(await store.WriteInferenceAsync(Inference(node, 1, Day.AddSeconds(1), "normal")), Is.False, "a redelivery of (boot 2, capture 1)");
        Assert.That(await store.WriteInferenceAsync(Inference(node, null, Day.AddDays(1), "normal")), Is.True);
        Assert.That(await store.WriteInferenceAsync(Inference(node, null, Day.AddDays(1), "normal")), Is.True, "without a capture number there is no identity");
        Assert.That(await store.WriteInferenceAsync(Inference(node, 2, Day.AddDays(3))), Is.True);

        var first = (await store.QueryInferencesAsync(node, Day, Day.AddHours(1), 10)).Single();
        Assert.That(first, Is.EqualTo(Inference(node, 1, Day)), "every field back as written, the first delivery wins");
        Assert.That((first.IsEvent, first.PNormal), Is.EqualTo((true, 1 - 0.97)));
        Assert.That((await store.QueryInferencesAsync(node, Day, Day.AddYears(1), 2)).Select(i => i.Capture), Is.EqualTo(new long?[] { 1, null }), "oldest first, limited");
        await store.ApplyRetentionAsync(Day.AddDays(2));
        Assert.That((await store.QueryInferencesAsync(node, DateTimeOffset.UnixEpoch, Day.AddYears(1), 10)).Select(i => i.Capture), Is.EqualTo(new long?[] { 2 }));
    }

    [Test]
    public async Task The_model_version_of_v3_telemetry_is_stored_and_absent_when_not_sent()
    {
        await using var store = await OpenAsync();
        await store.MigrateAsync();
        string node = RunningBackend.NewNodeId();
        IngestedTelemetry V3(long seq, long? version) => new(new TelemetryMessage
        {
            NodeId = node, Version = 3, Boot = 1, Seq = seq, Inference = new InferenceResult("bee-mlp-3", "normal", 0.1, version),
        }, Day.AddSeconds(seq), "test");
        await store.WriteTelemetryAsync([V3(1, 2), V3(2, null)]);
        var rows = await store.QueryTelemetryAsync(node, DateTimeOffset.UnixEpoch, Day.AddYears(1), 10);
        Assert.That(rows.Select(r => r.Inference!.ModelVersion), Is.EqualTo(new long?[] { 2, null }));
    }
}
