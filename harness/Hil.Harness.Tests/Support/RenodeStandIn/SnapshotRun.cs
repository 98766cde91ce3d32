using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Renode;
using Hil.Simulators.Modem;

namespace Hil.Harness.Tests.Support.RenodeStandIn;

/// <summary>
/// One node of a fixed image and identity on a Renode (real or the stand-in), started from the booted snapshot when
/// the Renode has one, living 75 s of device time with a modem: the modem's timeline, for comparing a loaded node with
/// a fresh one.
/// </summary>
internal static class SnapshotRun
{
    public static async Task<string[]> ModemTimelineAsync(RenodeHost host)
    {
        await using var target = new RenodeTarget(new RenodeTargetOptions
        {
            Host = host, ClockMode = ClockMode.Virtual, Mac = "02:00:00:00:01:01", StartFromSnapshot = true,
        });
        var modem = new EspAtModem();
        modem.Attach(target.GetChannel(ChannelNames.Link));
        modem.DeviceTime = async () => target.Clock is IDeviceTimeSource clock ? await clock.TimeOfOutputAsync() : null;
        await target.StartAsync();
        await target.Clock.AdvanceAsync(TimeSpan.FromSeconds(75));
        return modem.Timeline.Select(e => e.ToString()).ToArray();
    }
}
