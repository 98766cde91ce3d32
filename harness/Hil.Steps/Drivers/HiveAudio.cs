using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Hil.Backend.Storage;
using Hil.Harness.Channels;
using Hil.Harness.Clocks;
using Hil.Harness.Gdb;
using Hil.Harness.Node;
using Hil.Harness.Support;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Qemu;
using Hil.Harness.Targets.Renode;
using Hil.Scorer.Edge;
using Hil.Simulators.Audio;
using Hil.Simulators.Modem;
using Hil.Steps.Steps;

namespace Hil.Steps.Drivers;

/// <summary>What the node published on devices/{id}/events for one capture (firmware/README.md, "Telemetry").</summary>
public sealed record NodeVerdict(long Boot, long Capture, string Label, double PEvent, bool SpikeTrusted, long History, string Json)
{
    public static NodeVerdict Parse(ModemPublish publish)
    {
        using var doc = JsonDocument.Parse(publish.Payload);
        JsonElement e = doc.RootElement;
        return new NodeVerdict(e.GetProperty("boot").GetInt64(), e.GetProperty("capture").GetInt64(), e.GetProperty("label").GetString()!,
            e.GetProperty("p_event").GetDouble(), e.GetProperty("spike_trusted").GetBoolean(), e.GetProperty("history").GetInt64(), publish.Text);
    }
}

/// <summary>One clip the node heard: what it was, when its last frame went in (wall time), the node's verdict and the reference's.</summary>
public sealed record HeardClip(BeeClip Clip, DateTimeOffset EndedAt, NodeVerdict Node, EdgeInference Reference);

/// <summary>
/// Hive audio for the scenario's node (scenario-scoped): simulator clips played as stimulus audio frames, the
/// node's inference event awaited on device time, and the scorer's C# reference node fed exactly the same
/// sensor reading and clips in the same order (and rebooted when the node was), so the two can be compared.
/// </summary>
public sealed class HiveAudio(NodeFleet fleet, ScenarioPlatform platform, StimulusState stimulus, HarnessSettings settings)
{
    public const int Hour = 12;
    // A clip is a pure function of its options, and the suite plays the same ones (the calm captures that give the
    // node its history) in many scenarios: synthesising a 2 s clip costs 10-60 ms, far more than playing it. Its
    // stimulus frames are kept with it (63 frames with a bitwise CRC each for 2 s) and go out in one write.
    private static readonly ConcurrentDictionary<BeeClipOptions, Lazy<SoundedClip>> Clips = new();
    // The firmware's weights, parsed once per process: `hil train` regenerates the header, never during a run.
    private static readonly Lazy<BeeModel> Model = new(() => ModelHeader.Read(Path.Combine(RepositoryLayout.Root, ModelHeader.RepositoryPath)));
    private static readonly ConcurrentDictionary<string, ElfSymbols> Symbols = new();
    private readonly List<HeardClip> _heard = new();
    private ReferenceNode? _reference;
    private long _referenceBoot = -1;
    private int _clips;

    public IReadOnlyList<HeardClip> Heard => _heard;

    /// <summary>
    /// True when the clips go through an emulator's UART (12–65 KiB/s), which is slower than real time: a wall-clock
    /// Renode node, a QEMU node without its GDB server. A QEMU node gets them through its GDB server, a Renode node on
    /// virtual time through the monitor (<see cref="HandOverAsync"/>).
    /// </summary>
    public bool OverEmulatedUart => fleet.Node.Target is RenodeTarget { Clock.Mode: ClockMode.Wall } or QemuTarget { GdbPort: null };

    public HeardClip Last => _heard.Count > 0 ? _heard[^1] : throw new InvalidOperationException("The node has heard no clip yet (a step \"the node hears ...\" comes first).");

    /// <summary>The scorer's reference of the firmware's audio path, with the weights the firmware is built from.</summary>
    private ReferenceNode Reference => _reference ??= new ReferenceNode(Model.Value);

    public async Task<HeardClip> PlayAsync(HiveClip wanted)
    {
        FleetNode node = fleet.Node;
        CancellationToken ct = fleet.CancellationToken;
        long boot = (await node.StatusAsync(ct)).GetInt64("boot");
        if (boot != _referenceBoot)
        {
            Reference.Boot(); // a new boot: the node's RMS history starts again, and so does the reference's
            _referenceBoot = boot;
        }
        (BeeClip clip, byte[] frames) = Sounded(wanted.Options(_clips++));
        TargetChannel channel = node.Target.GetChannel(ChannelNames.Stimulus);
        await channel.WriteAsync(StimulusFrames.Sensor(stimulus.Temperature, stimulus.Humidity, hour: Hour), ct);
        Reference.Sensor(stimulus.Temperature, stimulus.Humidity, Hour);
        int before = node.Modem.PublishCount(node.EventsTopic);
        DateTimeOffset ended = await HandOverAsync(node, clip, frames, ct);
        // The reference scores the clip while the node does (the harness's own work, off the wait); awaited before the next clip.
        Task<EdgeInference> reference = Task.Run(() => Reference.Capture(clip.Samples), ct);
        await node.AdvanceUntilAsync(() => node.Modem.PublishCount(node.EventsTopic) > before, $"the inference event of clip {_clips} ({clip.Label}) on {node.EventsTopic}",
            TimeSpan.FromMinutes(10), ct);
        var heard = new HeardClip(clip, ended, NodeVerdict.Parse(Events(node)[before]), await reference);
        _heard.Add(heard);
        return heard;
    }

    /// <summary>
    /// Synthesises, in the background, the clips the audio steps of <paramref name="scenarios"/> will play (numbered in
    /// each scenario from its first clip, as <see cref="PlayAsync"/> numbers them), so that a scenario finds them made.
    /// The same options make the same clip, bit for bit, whichever thread makes it; a step that finds its clip still being
    /// made waits for it, and a clip not foreseen is made when played.
    /// </summary>
    public static Task SynthesiseAheadAsync(IEnumerable<IReadOnlyList<HiveClip>> scenarios) => Task.Run(() =>
    {
        foreach (BeeClipOptions options in scenarios.SelectMany(clips => clips.Select((clip, i) => clip.Options(i))).Distinct())
        {
            try { Sounded(options); }
            catch (Exception) { /* kept by its Lazy: the step that plays this clip fails with it */ }
        }
    });

    private static SoundedClip Sounded(BeeClipOptions options) =>
        Clips.GetOrAdd(options, o => new Lazy<SoundedClip>(() => SoundedClip.Of(o))).Value;

    /// <summary>Waits (wall time) until the backend has stored the inference of <paramref name="heard"/>; returns the row.</summary>
    public async Task<InferenceRecord> StoredAsync(HeardClip heard)
    {
        string nodeId = fleet.Node.NodeId;
        bool Match(InferenceRecord r) => r.Boot == heard.Node.Boot && r.Capture == heard.Node.Capture;
        try
        {
            IReadOnlyList<InferenceRecord> rows = await Poll.UntilAsync(
                ct => platform.Store.QueryInferencesAsync(nodeId, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddYears(-1), 10_000, ct),
                rows => rows.Any(Match), $"the inference of boot {heard.Node.Boot} capture {heard.Node.Capture} of {nodeId} in the backend",
                settings.StepTimeout, interval: TimeSpan.FromMilliseconds(5), cancellationToken: fleet.CancellationToken);
            return rows.First(Match);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message.Split("; the last answer")[0]}.\n{platform.Evidence(nodeId)}", e);
        }
    }

    /// <summary>What the reference and the node disagree on, capture by capture (empty when they agree).</summary>
    public IEnumerable<string> Disagreements() => _heard.Select((h, i) =>
    {
        var differences = new List<string>();
        if (h.Node.Label != h.Reference.Label) differences.Add($"label {h.Node.Label} vs {h.Reference.Label}");
        // The event prints p_event with 6 decimals (off by at most 5e-7); the bits are compared through `infer`.
        if (Math.Abs(h.Node.PEvent - h.Reference.PEvent) > 1e-6)
            differences.Add(string.Create(CultureInfo.InvariantCulture, $"p_event {h.Node.PEvent:0.000000} vs {h.Reference.PEvent:0.000000}"));
        if (h.Node.SpikeTrusted != h.Reference.Audio.SpikeTrusted || h.Node.History != h.Reference.Audio.History)
            differences.Add($"history {h.Node.History} (trusted {h.Node.SpikeTrusted}) vs {h.Reference.Audio.History} (trusted {h.Reference.Audio.SpikeTrusted})");
        return differences.Count == 0 ? "" : $"clip {i + 1} ({h.Clip.Label}): {string.Join(", ", differences)}; the node said {h.Node.Json}";
    }).Where(d => d.Length > 0);

    /// <summary>The node's <c>infer</c> on its last capture: its probability bits must be the reference's.</summary>
    public async Task<string?> LastBitsDisagreementAsync()
    {
        HeardClip last = Last;
        ConsoleReply reply = await fleet.Node.Console.ExecuteOkAsync("infer", settings.StepTimeout, fleet.CancellationToken);
        string expected = $"0x{last.Reference.PBits:x8}", features = $"0x{last.Reference.FeaturesHash:x8}";
        return reply["p_bits"] == expected && reply["features"] == features ? null
            : $"infer on the last capture: p_bits {reply["p_bits"]} features {reply["features"]}, the reference {expected} and {features}";
    }

    /// <summary>
    /// Hands the clip to the node; returns when (wall time) its last sample was handed over, where latency budgets start.
    /// On QEMU (started with its GDB server) the clip is written into the capture buffer block by block, faster than
    /// real time; on Renode's virtual time likewise through its monitor; elsewhere its stimulus frames go out in one write, which a native node reads as fast as they come.
    /// The GDB feed is made per clip: a firmware update restarts QEMU on another GDB port.
    /// </summary>
    private static async Task<DateTimeOffset> HandOverAsync(FleetNode node, BeeClip clip, byte[] frames, CancellationToken ct)
    {
        TargetChannel stimulus = node.Target.GetChannel(ChannelNames.Stimulus);
        if (node.Target is QemuTarget { GdbPort: int port } qemu)
        {
            // A debugger attaching makes QEMU wait for the vCPU, so lockstep does not hold it past its grant meanwhile.
            using IDisposable? free = qemu.Lockstep?.RunFreely();
            return await new GdbAudioFeed(port, Symbols.GetOrAdd(qemu.ElfPath, ElfSymbols.Load), stimulus).SendClipAsync(clip.Samples, ct);
        }
        if (node.Target is RenodeTarget { Clock.Mode: ClockMode.Virtual } renode)
            return await new RenodeAudioFeed(renode, Symbols.GetOrAdd(renode.ElfPath, ElfSymbols.Load), stimulus).SendClipAsync(clip.Samples, ct);
        await stimulus.WriteAsync(frames, ct);
        return TimeProvider.System.GetUtcNow();
    }

    private static IReadOnlyList<ModemPublish> Events(FleetNode node) => node.Modem.PublishesOn(node.EventsTopic);
}

/// <summary>A clip a step plays; the <paramref name="index"/>th of a scenario gets the seed 100 + index.</summary>
public sealed record HiveClip(HiveSound Sound, OutsideNoise Noise, double Seconds, double SnrDb = BeeClipOptions.DefaultSnrDb)
{
    public BeeClipOptions Options(int index) => new() { Sound = Sound, Noise = Noise, Seconds = Seconds, SnrDb = SnrDb, Seed = 100 + index };
}

/// <summary>A synthesised clip and its stimulus frames, back to back (<see cref="StimulusFrames.AudioClip"/>).</summary>
internal sealed record SoundedClip(BeeClip Clip, byte[] Frames)
{
    public static SoundedClip Of(BeeClipOptions options)
    {
        BeeClip clip = BeeAudioGenerator.Generate(options);
        return new SoundedClip(clip, StimulusFrames.AudioClip(clip.Samples).SelectMany(f => f).ToArray());
    }
}
