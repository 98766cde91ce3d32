using System.Diagnostics;
using System.Globalization;
using Hil.Cli.Benchmarks;
using Hil.Harness.Clocks;
using Hil.Harness.Firmware;
using Hil.Harness.Gdb;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Qemu;
using Hil.Simulators.Modem;

namespace Hil.Cli.Commands;

/// <summary>
/// The firmware's side of `hil bench dsp`: a 6 s clip delivered to a QEMU node through the GDB fast
/// path (and once over the stimulus UART for comparison), and the instructions the node spends on it.
/// </summary>
internal static class FirmwareDspBench
{
    public const double ClipSeconds = 6;
    private static readonly TimeSpan CaptureTimeout = TimeSpan.FromSeconds(120);

    public sealed record Result(Statistics GdbMs, double UartMs, Statistics Instructions, long Frames);

    public static async Task<Result> RunAsync(short[] clip, int clips, CancellationToken cancellationToken = default)
    {
        await using var target = new QemuTarget(new QemuTargetOptions { Name = "bench-dsp", GdbServer = true, ClockMode = ClockMode.Virtual });
        new EspAtModem().Attach(target.GetChannel(ChannelNames.Link));
        await target.StartAsync(cancellationToken);
        var console = new NodeConsole(target.GetChannel(ChannelNames.Console));
        await console.WaitForPromptAsync(TimeSpan.FromSeconds(10), cancellationToken);
        ElfSymbols elf = ElfSymbols.Load(FirmwareImages.Stm32Elf);
        var stimulus = target.GetChannel(ChannelNames.Stimulus);
        var feed = new GdbAudioFeed(target.GdbPort!.Value, elf, stimulus);
        var gdbDriver = new AudioCaptureDriver(console, stimulus, feed);
        await gdbDriver.SendSensorAsync(31.5, 60, 14, cancellationToken);

        long frames = 0;
        var wall = new List<double>();
        var instructions = new List<double>();
        for (int i = 0; i < clips; i++)
        {
            long start = Stopwatch.GetTimestamp();
            ConsoleReply reply = await gdbDriver.CaptureAndInferAsync(clip, CaptureTimeout, cancellationToken);
            wall.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            frames = reply.GetInt64("frames");
            // icount shift=0: one instruction is 1 ns of virtual time, and SysTick counts cycle_hz per virtual second.
            instructions.Add(feed.LastBusyCycles * 1e9 / feed.CycleHz);
        }
        long uartStart = Stopwatch.GetTimestamp();
        await new AudioCaptureDriver(console, stimulus).CaptureAndInferAsync(clip, CaptureTimeout, cancellationToken);
        double uartMs = Stopwatch.GetElapsedTime(uartStart).TotalMilliseconds;
        return new Result(Statistics.Of(wall), uartMs, Statistics.Of(instructions), frames);
    }

    public static string Table(Result result, int clips)
    {
        static string F(double v) => v.ToString("#,0", CultureInfo.InvariantCulture);
        double goalMs = ClipSeconds * 1000 / 2;
        double speedup = ClipSeconds * 1000 / result.GdbMs.Median;
        return MarkdownTable.Render(["QEMU node, 6 s clip", "runs", "median", "min", "max", "goal", "verdict"],
        [
            ["delivered through GDB + processed (wall ms)", clips.ToString(CultureInfo.InvariantCulture), F(result.GdbMs.Median),
                F(result.GdbMs.Min), F(result.GdbMs.Max), $"≤ {F(goalMs)} (2× real time)",
                $"{BenchmarkRow.Verdict(result.GdbMs.Median <= goalMs)}: {speedup.ToString("0.0", CultureInfo.InvariantCulture)}× real time"],
            ["delivered as stimulus frames on USART3 + processed (wall ms)", "1", F(result.UartMs), F(result.UartMs), F(result.UartMs), "—",
                $"{(ClipSeconds * 1000 / result.UartMs).ToString("0.0", CultureInfo.InvariantCulture)}× real time"],
            [$"firmware instructions to process it ({result.Frames} frames, features + network)", clips.ToString(CultureInfo.InvariantCulture),
                F(result.Instructions.Median), F(result.Instructions.Min), F(result.Instructions.Max), "—", "—"],
        ]);
    }

    public const string Method =
        "Firmware: the STM32F4 build in QEMU (`-icount shift=0,align=off,sleep=off`, `-gdb`). The clip is written block by block " +
        "(4,096 samples) into the node's staging buffer through QEMU's GDB server (firmware/README.md, \"Staged audio\"); the wall " +
        "time runs from the first GDB connection to the node's `[audio] capture` line. Instructions: with `shift=0` one instruction " +
        "advances QEMU's virtual clock by 1 ns. The node itself times the work of each staged block (DSP, and after the last block " +
        "the network, the event JSON and the log line) with `hal_cycles()` — SysTick's millisecond count plus its down-counter, " +
        "168 MHz of virtual time in QEMU, read from inside the guest where icount makes it exact — and sums it in the staging " +
        "buffer's `busy_cycles`; instructions = cycles × 10⁹ / 168 MHz (resolution ~6 instructions per block). Idle time and " +
        "the wake-up are outside the timed spans; SysTick interrupts during the work are inside. (Read from outside through the " +
        "GDB server, QEMU's clock is only as fine as its 1 ms timer deadlines, so the debugger cannot time it.)";
}
