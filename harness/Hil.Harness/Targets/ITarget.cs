using Hil.Harness.Channels;
using Hil.Harness.Clocks;

namespace Hil.Harness.Targets;

/// <summary>
/// One running instance of firmware, whatever runs it (a host process, QEMU, Renode, a board).
/// It exposes named byte channels, a clock, and a lifecycle.
/// </summary>
public interface ITarget : IAsyncDisposable
{
    string Name { get; }

    /// <summary>"native", "qemu", ...</summary>
    string Backend { get; }

    TargetState State { get; }

    /// <summary>The node's clock: wall time, or virtual time the harness advances.</summary>
    ITargetClock Clock { get; }

    IReadOnlyList<TargetChannel> Channels { get; }

    /// <summary>The channel called <paramref name="name"/> (console, link, stimulus, ...).</summary>
    TargetChannel GetChannel(string name);

    /// <summary>Starts the firmware and waits until it is ready (its ready line on the console).</summary>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Hardware reset (RAM lost, flash kept), then waits until ready again.</summary>
    Task ResetAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops the firmware; idempotent.</summary>
    Task StopAsync(CancellationToken cancellationToken = default);
}

public enum TargetState { Created, Starting, Running, Stopped, Failed }

/// <summary>The channel names every backend maps the reference node's UARTs to.</summary>
public static class ChannelNames
{
    public const string Console = "console";
    public const string Link = "link";
    public const string Stimulus = "stimulus";

    /// <summary>In UART order: USART1, USART2, USART3.</summary>
    public static readonly IReadOnlyList<string> Default = [Console, Link, Stimulus];
}
