using Bogus;

namespace Hil.Simulators.Fleet;

/// <summary>
/// Fleets of device identities from Bogus, reproducible by seed. MACs are locally administered
/// unicast (first octet 0x02-style) and unique within a fleet; firmware and protocol versions
/// follow the releases (2.x speaks protocol 2, 3.x protocol 3, 1.x the legacy protocol 1).
/// </summary>
public static class FleetGenerator
{
    private static readonly (string Firmware, int Protocol)[] Releases =
        [("1.4.2", 1), ("2.0.1", 2), ("2.1.0", 2), ("3.0.0", 3), ("3.0.0", 3), ("3.1.0", 3)];

    public static IReadOnlyList<DeviceIdentity> Generate(int count, int seed)
    {
        if (count is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(count), count, "a fleet has 1..100000 nodes");
        var faker = new Faker { Random = new Randomizer(seed) };
        var seen = new HashSet<string>();
        var fleet = new List<DeviceIdentity>(count);
        int apiaries = Math.Max(1, count / 8);
        var sites = Enumerable.Range(0, apiaries)
            .Select(_ => (Name: $"{faker.Address.City()} apiary", Lat: faker.Address.Latitude(35, 60), Lon: faker.Address.Longitude(-10, 30)))
            .ToArray();
        while (fleet.Count < count)
        {
            byte[] mac = faker.Random.Bytes(6);
            mac[0] = (byte)((mac[0] & 0xFC) | 0x02); // locally administered, unicast
            string nodeId = Convert.ToHexStringLower(mac);
            if (!seen.Add(nodeId)) continue;
            var site = sites[faker.Random.Int(0, sites.Length - 1)];
            var release = faker.PickRandom(Releases);
            string name = $"hive-{faker.Name.FirstName().ToLowerInvariant()}-{fleet.Count + 1}";
            fleet.Add(new DeviceIdentity(string.Join(':', mac.Select(b => b.ToString("x2"))), nodeId, name, site.Name,
                Math.Round(site.Lat + faker.Random.Double(-0.01, 0.01), 5), Math.Round(site.Lon + faker.Random.Double(-0.01, 0.01), 5),
                release.Firmware, release.Protocol));
        }
        return fleet;
    }
}
