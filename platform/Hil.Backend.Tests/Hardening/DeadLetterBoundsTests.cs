using System.Net;
using System.Security.Cryptography;
using Hil.Backend.Tests.Support;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;

namespace Hil.Backend.Tests.Hardening;

/// <summary>Oversized payloads refused by the backend: kept as evidence, but not whole, and never listed whole.</summary>
public sealed class DeadLetterBoundsTests
{
    [Test]
    public async Task Oversized_payloads_become_bounded_dead_letters_and_a_default_listing_stays_small()
    {
        await using var running = await RunningPlatform.StartAsync();
        var platform = running.Host;
        string data = running.DataDirectory;
        {
            long before = FolderBytes(data);
            string node = RunningBackend.NewNodeId();
            await using var device = new MqttClient();
            Assert.That((await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(platform.MqttHost, platform.MqttPort).WithClientId(node).Build())).IsSuccess);
            // 200 KiB: over the backend's 16 KiB payload limit (a dead letter), under a device's 256 KiB packet limit (not a dropped connection).
            var big = Enumerable.Range(0, 20).Select(i => Enumerable.Repeat((byte)('a' + i), 200 * 1024).ToArray()).ToList();
            var medium = Enumerable.Range(0, 130).Select(i => Enumerable.Repeat((byte)('0' + i % 10), 20 * 1024).ToArray()).ToList();
            foreach (byte[] payload in big.Concat(medium))
                Assert.That((await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/telemetry", payload, MqttQos.AtLeastOnce))).IsSuccess);

            var admin = running.Admin;
            await Http.EventuallyAsync(() => platform.Backend.Store.CountDeadLettersAsync(), n => n == 150, "150 dead letters");

            Assert.That(FolderBytes(data) - before, Is.LessThan(2 * 1024 * 1024), "6.6 MB of refused payloads must not grow the data folder by their size");
            var response = await admin.GetAsync("/api/v1/dead-letters");
            string body = await response.Content.ReadAsStringAsync();
            Assert.That(body.Length, Is.LessThan(1536 * 1024), "a default listing is bounded");
            var first = (await admin.GetAsync("/api/v1/dead-letters?limit=1")).JsonAsync(HttpStatusCode.OK).Result[0];
            Assert.That(first.GetProperty("payloadSize").GetInt64(), Is.EqualTo(200 * 1024));
            Assert.That(first.GetProperty("payload").GetString()!.Length, Is.EqualTo(4096));
            Assert.That(first.GetProperty("payloadTruncated").GetBoolean(), Is.True);
            Assert.That(first.GetProperty("payloadSha256").GetString(), Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(big[0]))));
            Assert.That(first.GetProperty("reason").GetString(), Does.StartWith("payload too large: 204800 bytes"));

            var all = await admin.GetAsync("/api/v1/dead-letters?limit=10000");
            var page = await all.JsonAsync(HttpStatusCode.OK);
            Assert.That(page.GetArrayLength(), Is.InRange(1, 149), "a page stops at its byte budget, whatever the limit asked");
            Assert.That(all.Headers.GetValues("Link").Single(), Does.Contain($"after={page[page.GetArrayLength() - 1].GetProperty("id").GetInt64()}"));
        }
    }

    private static long FolderBytes(string folder) => Directory.EnumerateFiles(folder).Sum(f => new FileInfo(f).Length);
}
