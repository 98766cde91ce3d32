using System.Diagnostics;
using Hil.Harness.Support;

namespace Hil.Harness.Tests.Support;

/// <summary>
/// The meter counts wall time with at least one wait open. It is process-wide (other tests may wait at the same
/// time), so the checks are bounds that hold whatever else runs: never more than the wall time that passed, never
/// less than the time this test's own wait was open.
/// </summary>
public sealed class WaitMeterTests
{
    [Test]
    public async Task Overlapping_waits_count_once_and_an_open_wait_counts_while_it_lasts()
    {
        var outside = Stopwatch.StartNew();
        TimeSpan before = WaitMeter.Total;
        TimeSpan open;
        using (WaitMeter.Waiting())
        {
            var inside = Stopwatch.StartNew();
            using (WaitMeter.Waiting()) // a second node waiting at the same time
                await Task.Delay(TimeSpan.FromMilliseconds(30));
            open = inside.Elapsed;
            Assert.That(WaitMeter.Total - before, Is.GreaterThanOrEqualTo(open), "the open wait is counted before it closes");
        }
        TimeSpan counted = WaitMeter.Total - before;
        outside.Stop();

        Assert.That(counted, Is.GreaterThanOrEqualTo(open));
        Assert.That(counted, Is.LessThanOrEqualTo(outside.Elapsed), "two overlapping waits are not added up");
    }
}
