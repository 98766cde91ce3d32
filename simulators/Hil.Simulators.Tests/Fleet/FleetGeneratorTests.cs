using System.Text.RegularExpressions;
using Hil.Simulators.Fleet;

namespace Hil.Simulators.Tests.Fleet;

public sealed class FleetGeneratorTests
{
    [Test]
    public void Identities_are_reproducible_unique_and_follow_the_platform_contract()
    {
        var fleet = FleetGenerator.Generate(50, seed: 4);
        Assert.That(FleetGenerator.Generate(50, seed: 4), Is.EqualTo(fleet));
        Assert.That(FleetGenerator.Generate(50, seed: 5), Is.Not.EqualTo(fleet));
        Assert.That(fleet.Select(d => d.NodeId).Distinct().Count(), Is.EqualTo(50));
        foreach (DeviceIdentity d in fleet)
        {
            Assert.That(d.NodeId, Does.Match("^[0-9a-f]{12}$"));
            Assert.That(d.Mac.Replace(":", ""), Is.EqualTo(d.NodeId));
            Assert.That(Convert.ToByte(d.Mac[..2], 16) & 0x03, Is.EqualTo(0x02), "locally administered unicast");
            Assert.That(d.ProtocolVersion, Is.EqualTo(int.Parse(Regex.Match(d.FirmwareVersion, @"^\d+").Value)));
            Assert.That(d.Name, Does.StartWith("hive-"));
        }
        Assert.That(fleet.Select(d => d.Apiary).Distinct().Count(), Is.GreaterThan(1));
    }

    [Test]
    public void A_fleet_size_out_of_range_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FleetGenerator.Generate(0, 1));
    }
}
