using System.Buffers.Binary;
using Hil.Harness.Channels;
using Hil.Harness.Gdb;
using Hil.Harness.Support;

namespace Hil.Harness.Node;

/// <summary>
/// The bulk-audio fast path on an emulator: writes a clip block by block into the reference node's
/// staging buffer (<c>hil_audio_stage</c>, firmware/core/audio_stage.h) through the emulator's GDB
/// server. Connecting halts the CPU; the harness sets a breakpoint on <c>hil_audio_stage_consumed</c>,
/// writes a block and bumps <c>posted</c>, continues, and the next stop at the breakpoint says the
/// node has fed that block to its DSP. A sleeping node is woken by a "staged audio ready" stimulus
/// frame sent with each block. After the last block the harness detaches and the node runs on.
/// </summary>
public sealed class GdbAudioFeed : IAudioFeed
{
    public const string StageSymbol = "hil_audio_stage";
    public const string ConsumedSymbol = "hil_audio_stage_consumed";
    public const int BlockSamples = 4096;
    private const uint Magic = 0x3147_5453; // "STG1"
    private const uint PostedOffset = 4, FlagsOffset = 12, BusyCyclesOffset = 16, SamplesOffset = 24;
    private const ushort FirstBlock = 0x01, LastBlock = 0x02;
    private readonly int _port;
    private readonly ElfSymbol _stage;
    private readonly ElfSymbol _consumed;
    private readonly TimeProvider _timeProvider;
    private readonly TargetChannel _stimulus;

    public GdbAudioFeed(int gdbPort, ElfSymbols firmware, TargetChannel stimulus, TimeProvider? timeProvider = null)
    {
        _stimulus = stimulus;
        _port = gdbPort;
        _stage = firmware[StageSymbol];
        _consumed = firmware[ConsumedSymbol];
        _timeProvider = timeProvider ?? TimeProvider.System;
        uint expectedSize = SamplesOffset + BlockSamples * 2;
        if (_stage.Size != expectedSize)
            throw new InvalidDataException(
                $"'{StageSymbol}' in '{firmware.Path}' is {_stage.Size} bytes; this harness writes the {expectedSize}-byte layout of firmware/core/audio_stage.h.");
    }

    /// <summary>How long the node may take to consume one block (emulated DSP work included).</summary>
    public TimeSpan BlockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Blocks written by the last clip.</summary>
    public int LastBlockCount { get; private set; }

    /// <summary>
    /// The node's own count of cycles spent processing the last clip (its <c>busy_cycles</c>, measured
    /// around each block's DSP and network work with <c>hal_cycles()</c>), and the counter's rate.
    /// </summary>
    public uint LastBusyCycles { get; private set; }

    public uint CycleHz { get; private set; }

    public async Task<DateTimeOffset> SendClipAsync(short[] clip, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.Length == 0) throw new ArgumentException("a capture needs at least one sample", nameof(clip));
        await using GdbRemoteClient gdb = await GdbRemoteClient.ConnectAsync(_port, TimeSpan.FromSeconds(5), _timeProvider, cancellationToken)
            .ConfigureAwait(false);
        var session = new Session(gdb, this);
        byte[] header = await gdb.ReadMemoryAsync(_stage.Address, (int)SamplesOffset, cancellationToken).ConfigureAwait(false);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (magic != Magic)
            throw new InvalidOperationException(
                $"The staging buffer at 0x{_stage.Address:x8} holds magic 0x{magic:x8}, not 0x{Magic:x8}: the running firmware is not the ELF whose symbols were read, or it has not booted.");
        uint posted = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        uint consumed = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
        await session.InsertAsync(_consumed.Address, cancellationToken).ConfigureAwait(false);
        if (posted != consumed) await session.RunToAsync(_consumed.Address, "an earlier block", cancellationToken).ConfigureAwait(false);
        uint busyBefore = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan((int)BusyCyclesOffset));
        int blocks = (clip.Length + BlockSamples - 1) / BlockSamples;
        DateTimeOffset lastPosted = default;
        for (int b = 0; b < blocks; b++)
        {
            int count = Math.Min(BlockSamples, clip.Length - b * BlockSamples);
            var samples = new byte[count * 2];
            for (int i = 0; i < count; i++) BinaryPrimitives.WriteInt16LittleEndian(samples.AsSpan(i * 2), clip[b * BlockSamples + i]);
            ushort flags = (ushort)((b == 0 ? FirstBlock : 0) | (b == blocks - 1 ? LastBlock : 0));
            var flagsAndCount = new byte[4];
            BinaryPrimitives.WriteUInt16LittleEndian(flagsAndCount, flags);
            BinaryPrimitives.WriteUInt16LittleEndian(flagsAndCount.AsSpan(2), (ushort)count);
            var sequence = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(sequence, ++posted);
            await gdb.WriteMemoryAsync(_stage.Address + SamplesOffset, samples, cancellationToken).ConfigureAwait(false);
            await gdb.WriteMemoryAsync(_stage.Address + FlagsOffset, flagsAndCount, cancellationToken).ConfigureAwait(false);
            await gdb.WriteMemoryAsync(_stage.Address + PostedOffset, sequence, cancellationToken).ConfigureAwait(false);
            lastPosted = _timeProvider.GetUtcNow(); // the block is the node's now; the last one's time starts latency budgets
            // The halted CPU sleeps until its next deadline once resumed: a UART byte wakes it at once.
            await _stimulus.WriteAsync(StimulusFrames.StagedAudioReady(), cancellationToken).ConfigureAwait(false);
            await session.RunToAsync(_consumed.Address, $"block {b + 1} of {blocks}", cancellationToken).ConfigureAwait(false);
        }
        // Stopped at the entry of hil_audio_stage_consumed: the last block's cycles are already added.
        byte[] after = await gdb.ReadMemoryAsync(_stage.Address + BusyCyclesOffset, 8, cancellationToken).ConfigureAwait(false);
        await session.RemoveAllAsync(cancellationToken).ConfigureAwait(false);
        await gdb.DetachAsync(cancellationToken).ConfigureAwait(false);
        LastBlockCount = blocks;
        LastBusyCycles = BinaryPrimitives.ReadUInt32LittleEndian(after) - busyBefore;
        CycleHz = BinaryPrimitives.ReadUInt32LittleEndian(after.AsSpan(4));
        return lastPosted;
    }

    /// <summary>Breakpoints of one connection, and stepping off the one the CPU is halted at.</summary>
    private sealed class Session(GdbRemoteClient gdb, GdbAudioFeed feed)
    {
        private readonly HashSet<uint> _inserted = new();
        private uint? _haltedAt;

        public async Task InsertAsync(uint address, CancellationToken cancellationToken)
        {
            await gdb.InsertBreakpointAsync(address, cancellationToken: cancellationToken).ConfigureAwait(false);
            _inserted.Add(address);
        }

        public async Task RemoveAllAsync(CancellationToken cancellationToken)
        {
            foreach (uint address in _inserted) await gdb.RemoveBreakpointAsync(address, cancellationToken: cancellationToken).ConfigureAwait(false);
            _inserted.Clear();
        }

        /// <summary>Continues until the CPU stops at <paramref name="address"/> (its breakpoint must be inserted).</summary>
        public async Task RunToAsync(uint address, string block, CancellationToken cancellationToken)
        {
            if (_haltedAt is uint at && _inserted.Contains(at))
            {
                // QEMU's gdbstub would stop again at once on the breakpoint it is halted at: step off it first, as gdb does.
                await gdb.RemoveBreakpointAsync(at, cancellationToken: cancellationToken).ConfigureAwait(false);
                await gdb.StepAsync(cancellationToken).ConfigureAwait(false);
                await gdb.InsertBreakpointAsync(at, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            await gdb.ContinueAsync(cancellationToken).ConfigureAwait(false);
            using WaitMeter.Scope waiting = WaitMeter.Waiting(); // the node's DSP and network work on the block
            try
            {
                await gdb.WaitForStopAsync(feed.BlockTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"The node did not reach 0x{address:x8} for {block} of the staging buffer within {feed.BlockTimeout.TotalSeconds:0.#} s.", e);
            }
            _haltedAt = await gdb.ReadProgramCounterAsync(cancellationToken).ConfigureAwait(false);
            if (_haltedAt != address)
                throw new InvalidOperationException($"The node stopped at 0x{_haltedAt:x8} instead of 0x{address:x8} while the harness fed {block}.");
        }
    }
}
