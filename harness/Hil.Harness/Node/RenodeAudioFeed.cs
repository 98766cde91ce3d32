using System.Buffers.Binary;
using System.Globalization;
using Hil.Harness.Channels;
using Hil.Harness.Clocks;
using Hil.Harness.Gdb;
using Hil.Harness.Targets.Renode;

namespace Hil.Harness.Node;

/// <summary>
/// The bulk-audio fast path on Renode's virtual time: the protocol of <see cref="GdbAudioFeed"/> (firmware/core/audio_stage.h),
/// carried by Renode's monitor between the harness's steps instead of a debugger. Each block goes in with one
/// <c>sysbus LoadBinary</c> (8 KiB at once, where a UART would carry it byte by byte at emulated speed), then its
/// flags and count and the bumped <c>posted</c>; a "staged audio ready" stimulus frame wakes the node; and device time
/// is let pass in <see cref="PollStep"/>s until the node's <c>consumed</c> says it fed the block to its DSP. Everything
/// happens between steps, so the device time a clip takes depends only on the firmware.
/// </summary>
public sealed class RenodeAudioFeed : IAudioFeed
{
    private const uint Magic = 0x3147_5453; // "STG1"
    private const uint PostedOffset = 4, ConsumedOffset = 8, FlagsOffset = 12, BusyCyclesOffset = 16, SamplesOffset = 24;
    private const ushort FirstBlock = 0x01, LastBlock = 0x02;
    private readonly RenodeTarget _target;
    private readonly ElfSymbol _stage;
    private readonly TargetChannel _stimulus;
    private readonly string _blockFile = Path.Combine(Path.GetTempPath(), "hil", $"renode-audio-block-{Guid.NewGuid():N}.bin");

    public RenodeAudioFeed(RenodeTarget target, ElfSymbols firmware, TargetChannel stimulus)
    {
        if (target.Clock.Mode != ClockMode.Virtual) throw new ArgumentException("The staged-audio feed steps Renode's virtual time.", nameof(target));
        _target = target;
        _stage = firmware[GdbAudioFeed.StageSymbol];
        _stimulus = stimulus;
        uint expectedSize = SamplesOffset + GdbAudioFeed.BlockSamples * 2;
        if (_stage.Size != expectedSize)
            throw new InvalidDataException(
                $"'{GdbAudioFeed.StageSymbol}' in '{firmware.Path}' is {_stage.Size} bytes; this harness writes the {expectedSize}-byte layout of firmware/core/audio_stage.h.");
    }

    /// <summary>Device time let pass between two looks at <c>consumed</c>.</summary>
    public static readonly TimeSpan PollStep = TimeSpan.FromMilliseconds(5);

    /// <summary>How much device time the node may take to consume one block.</summary>
    public TimeSpan BlockLimit { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The node's own count of cycles spent on the last clip, and the counter's rate (as <see cref="GdbAudioFeed"/>).</summary>
    public uint LastBusyCycles { get; private set; }

    public uint CycleHz { get; private set; }

    public async Task<DateTimeOffset> SendClipAsync(short[] clip, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.Length == 0) throw new ArgumentException("a capture needs at least one sample", nameof(clip));
        Directory.CreateDirectory(Path.GetDirectoryName(_blockFile)!);
        try
        {
            uint magic = await ReadAsync(0, cancellationToken).ConfigureAwait(false);
            if (magic != Magic)
                throw new InvalidOperationException(
                    $"The staging buffer at 0x{_stage.Address:x8} holds magic 0x{magic:x8}, not 0x{Magic:x8}: the running firmware is not the ELF whose symbols were read, or it has not booted.");
            uint posted = await ReadAsync(PostedOffset, cancellationToken).ConfigureAwait(false);
            await WaitConsumedAsync(posted, "an earlier block", cancellationToken).ConfigureAwait(false);
            uint busyBefore = await ReadAsync(BusyCyclesOffset, cancellationToken).ConfigureAwait(false);
            int blocks = (clip.Length + GdbAudioFeed.BlockSamples - 1) / GdbAudioFeed.BlockSamples;
            DateTimeOffset lastPosted = default;
            for (int b = 0; b < blocks; b++)
            {
                int count = Math.Min(GdbAudioFeed.BlockSamples, clip.Length - b * GdbAudioFeed.BlockSamples);
                var samples = new byte[count * 2];
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteInt16LittleEndian(samples.AsSpan(i * 2), clip[b * GdbAudioFeed.BlockSamples + i]);
                await File.WriteAllBytesAsync(_blockFile, samples, cancellationToken).ConfigureAwait(false);
                uint flags = (uint)((b == 0 ? FirstBlock : 0) | (b == blocks - 1 ? LastBlock : 0));
                posted++;
                await _target.ExecuteOnMachineAsync([
                    $"sysbus LoadBinary @{_blockFile} {Hex(_stage.Address + SamplesOffset)}",
                    $"sysbus WriteDoubleWord {Hex(_stage.Address + FlagsOffset)} {Hex(flags | (uint)count << 16)}",
                    $"sysbus WriteDoubleWord {Hex(_stage.Address + PostedOffset)} {Hex(posted)}",
                ], cancellationToken).ConfigureAwait(false);
                lastPosted = DateTimeOffset.UtcNow; // the block is the node's now; the last one's time starts latency budgets
                await _stimulus.WriteAsync(StimulusFrames.StagedAudioReady(), cancellationToken).ConfigureAwait(false);
                await WaitConsumedAsync(posted, $"block {b + 1} of {blocks}", cancellationToken).ConfigureAwait(false);
            }
            uint busyAfter = await ReadAsync(BusyCyclesOffset, cancellationToken).ConfigureAwait(false);
            LastBusyCycles = busyAfter - busyBefore;
            CycleHz = await ReadAsync(BusyCyclesOffset + 4, cancellationToken).ConfigureAwait(false);
            return lastPosted;
        }
        finally
        {
            File.Delete(_blockFile);
        }
    }

    private async Task WaitConsumedAsync(uint posted, string block, CancellationToken cancellationToken)
    {
        for (TimeSpan waited = TimeSpan.Zero; await ReadAsync(ConsumedOffset, cancellationToken).ConfigureAwait(false) != posted; waited += PollStep)
        {
            if (waited >= BlockLimit)
                throw new TimeoutException($"The node did not consume {block} of the staging buffer within {BlockLimit.TotalSeconds:0.#} s of device time.");
            await _target.Clock.AdvanceAsync(PollStep, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<uint> ReadAsync(uint offset, CancellationToken cancellationToken)
    {
        IReadOnlyList<RenodeResult> results = await _target.ExecuteOnMachineAsync([$"sysbus ReadDoubleWord {Hex(_stage.Address + offset)}"], cancellationToken)
            .ConfigureAwait(false);
        string text = results[0].Lines.LastOrDefault() ?? "";
        return text.StartsWith("0x", StringComparison.Ordinal) && uint.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint value)
            ? value
            : throw new InvalidOperationException($"Renode answered '{text}' to a read of the staging buffer.");
    }

    private static string Hex(uint value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:x8}");
}
