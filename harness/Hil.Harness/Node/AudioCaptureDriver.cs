using System.Text.RegularExpressions;
using Hil.Harness.Channels;

namespace Hil.Harness.Node;

/// <summary>How a clip gets into the node: stimulus frames on a UART, or a bulk path such as GDB memory writes.</summary>
public interface IAudioFeed
{
    /// <summary>Sends the clip; returns when (wall time) its last sample was handed to the node, where latency budgets start.</summary>
    Task<DateTimeOffset> SendClipAsync(short[] clip, CancellationToken cancellationToken = default);
}

/// <summary>Audio as stimulus frames (firmware/README.md, "Stimulus"), 510 samples per frame, first and last flagged.</summary>
public sealed class StimulusAudioFeed(TargetChannel stimulus, TimeProvider? timeProvider = null) : IAudioFeed
{
    public async Task<DateTimeOffset> SendClipAsync(short[] clip, CancellationToken cancellationToken = default)
    {
        foreach (byte[] frame in StimulusFrames.AudioClip(clip))
            await stimulus.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        return (timeProvider ?? TimeProvider.System).GetUtcNow();
    }
}

/// <summary>
/// Plays a clip into the reference node and waits until the node has processed the capture (its
/// <c>[audio] capture</c> log line), then asks <c>infer</c>. The reply's <c>features</c> and
/// <c>p_bits</c> are the bits an edge-vs-server comparison checks.
/// </summary>
public sealed class AudioCaptureDriver(NodeConsole console, TargetChannel stimulus, IAudioFeed? feed = null)
{
    private static readonly Regex CaptureLog = NodeConsole.LogLine("audio");
    private readonly IAudioFeed _feed = feed ?? new StimulusAudioFeed(stimulus);

    public Task SendSensorAsync(double temperatureC, double humidityPct, int hour, CancellationToken cancellationToken = default) =>
        stimulus.WriteAsync(StimulusFrames.Sensor(temperatureC, humidityPct, hour: hour), cancellationToken);

    /// <summary>Sends the clip, waits for the node to finish the capture, and returns the node's <c>infer</c> reply.</summary>
    public async Task<ConsoleReply> CaptureAndInferAsync(short[] clip, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (clip.Length == 0) throw new ArgumentException("a capture needs at least one sample", nameof(clip));
        TargetChannel output = console.Channel;
        long from = output.LineCount;
        await _feed.SendClipAsync(clip, cancellationToken).ConfigureAwait(false);
        await output.WaitForAsync(c => c.LinesSince(from).Append(c.PartialLine).Any(l => CaptureLog.IsMatch(l)),
            $"the node's [audio] capture line for a clip of {clip.Length} samples", timeout, cancellationToken).ConfigureAwait(false);
        return await console.ExecuteOkAsync("infer", cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
