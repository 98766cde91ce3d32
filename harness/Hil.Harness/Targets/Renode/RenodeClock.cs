using Hil.Harness.Clocks;

namespace Hil.Harness.Targets.Renode;

/// <summary>
/// A renode target's view of its Renode's timeline (<see cref="RenodeTimeline"/>): device time counts from
/// the moment the target's machine was created. Every machine of one Renode shares the timeline, so
/// advancing one node's clock moves them all (a fleet advances one clock per timeline: <see cref="Timeline"/>).
/// </summary>
public sealed class RenodeClock : ITargetClock, IDeviceTimeSource
{
    private readonly RenodeTimeline _timeline;
    private readonly TimeSpan _start;

    /// <param name="lived">Device time the machine had already lived when it joined the timeline (a booted snapshot's).</param>
    internal RenodeClock(RenodeTimeline timeline, TimeSpan lived)
    {
        _timeline = timeline;
        _start = timeline.Now - lived;
    }

    /// <summary>Device time since the machine was created, as the timeline stands (no settling: for the timeline's own use).</summary>
    internal TimeSpan Lived => _timeline.Now - _start;

    public ClockMode Mode => ClockMode.Virtual;

    /// <summary>The timeline this clock is a view of: the same for every virtual-time target of one Renode.</summary>
    public object Domain => _timeline;

    public async Task<TimeSpan> GetDeviceTimeAsync(CancellationToken cancellationToken = default) =>
        await _timeline.SettledNowAsync(cancellationToken).ConfigureAwait(false) - _start;

    public Task AdvanceAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        if (duration < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), "time only moves forward");
        return _timeline.AdvanceAsync(duration, cancellationToken);
    }

    /// <summary>Output arriving now was written during the step under way: stamped with its end.</summary>
    public ValueTask<TimeSpan?> TimeOfOutputAsync() => ValueTask.FromResult<TimeSpan?>(_timeline.StepEnd - _start);

    /// <summary>Input written now goes into the UART when the next step starts: at the end of the one under way.</summary>
    public ValueTask<TimeSpan?> TimeOfInputAsync() => ValueTask.FromResult<TimeSpan?>(_timeline.StepEnd - _start);
}
