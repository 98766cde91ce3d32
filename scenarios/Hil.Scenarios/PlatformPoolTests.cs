using System.Net.Sockets;
using Hil.Gherkin.Expressions;
using Hil.Gherkin.Model;
using Hil.Gherkin.Runtime;
using Hil.Steps.Drivers;
using Hil.Steps.Hooks;

namespace Hil.Scenarios;

/// <summary>The run's pool hands each scenario a platform of its own, fresh, and stops every platform it started (real broker and backend).</summary>
public sealed class PlatformPoolTests
{
    private const string Node = "a1b2c3d4e5f6";

    [Test]
    public async Task Each_scenario_gets_a_fresh_platform_of_its_own_and_draining_stops_every_one()
    {
        var pool = new PlatformPool();
        var cancellation = new ScenarioCancellation(CancellationToken.None);
        (string Data, int Mqtt, Uri Http)[] used;
        try
        {
            pool.Prepare();
            var first = new ScenarioPlatform(cancellation, pool);
            await first.PublishAsDeviceAsync(Node, """{"v":2,"node_id":"a1b2c3d4e5f6","fw":"2.1.0","boot":1,"seq":1,"temperature_c":23.5,"humidity_pct":61.2}""");
            await first.WaitForReadingsAsync(Node, 1, TimeSpan.FromSeconds(30));
            var second = new ScenarioPlatform(cancellation, pool);
            await second.EnsureStartedAsync();
            used = [Describe(first), Describe(second)];

            Assert.That(used[1].Data, Is.Not.EqualTo(used[0].Data), "a data folder of its own");
            Assert.That(used[1].Mqtt, Is.Not.EqualTo(used[0].Mqtt), "a broker of its own");
            Assert.That(used[1].Http, Is.Not.EqualTo(used[0].Http), "a backend of its own");
            Assert.That(await second.ReadingsAsync(Node), Is.Empty, "nothing the first scenario stored");
            Assert.That(second.Traffic, Is.Empty, "no message the first broker saw");
            Assert.That(pool.Running, Is.GreaterThanOrEqualTo(2), "both handed out are running (the next spare may still be starting)");

            await first.DisposeAsync();
            await second.DisposeAsync();
        }
        finally
        {
            await pool.DrainAsync();
        }

        Assert.That(pool.Running, Is.Zero, "every platform the pool started, the unused spares included, has stopped");
        foreach ((string data, int mqtt, Uri http) in used)
        {
            Assert.That(Directory.Exists(data), Is.False, $"{data} is deleted");
            Assert.That(await RefusesAsync(mqtt), Is.True, $"the broker on port {mqtt} is closed");
            Assert.That(await RefusesAsync(http.Port), Is.True, $"the backend on {http} is closed");
        }
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.TakeAsync(CancellationToken.None));
    }

    [Test]
    public async Task A_pool_told_how_many_platforms_the_run_takes_keeps_no_spare_beyond_them()
    {
        var pool = new PlatformPool();
        try
        {
            pool.Expect(0);
            Assert.That(pool.SpareCount, Is.Zero, "a run without platform scenarios starts none");
            pool.Expect(5);
            Assert.That(pool.SpareCount, Is.EqualTo(PlatformPool.Spares), "never more than the spares");
            pool.Expect(1);
            Assert.That(pool.SpareCount, Is.EqualTo(1), "the spare beyond the one expected is stopped");

            PreparedPlatform expected = await pool.TakeAsync(CancellationToken.None);
            Assert.That(pool.SpareCount, Is.Zero, "no spare after the last expected platform");
            PreparedPlatform unannounced = await pool.TakeAsync(CancellationToken.None);
            Assert.That(unannounced.DataDirectory, Is.Not.EqualTo(expected.DataDirectory), "a scenario taking one unannounced still gets its own");
            Assert.That(pool.SpareCount, Is.Zero);
            await pool.ReturnAsync(expected);
            await pool.ReturnAsync(unannounced);
        }
        finally
        {
            await pool.DrainAsync();
        }
        Assert.That(pool.Running, Is.Zero, "every platform started, the stopped surplus included, has stopped");
    }

    [Test]
    public void The_early_platform_starts_only_when_a_feature_tagged_platform_is_selected_by_its_own_tags()
    {
        DirectoryInfo features = Directory.CreateTempSubdirectory("hil-platform-tags-");
        try
        {
            File.WriteAllText(Path.Combine(features.FullName, "console.feature"), "@console\nFeature: console\n  @platform\n  Scenario: s\n    Given a node\n");
            Directory.CreateDirectory(Path.Combine(features.FullName, "Latency"));
            File.WriteAllText(Path.Combine(features.FullName, "Latency", "budgets.feature"),
                "# a comment\n\n@latency @platform\n@slow\nFeature: budgets\n  Scenario: s\n    Given a node\n");

            Assert.That(PlatformHooks.LikelyUsedBy(features.FullName, TagExpression.Parse("@latency").Matches), Is.True);
            Assert.That(PlatformHooks.LikelyUsedBy(features.FullName, TagExpression.Parse("not @slow").Matches), Is.False,
                "the only feature tagged @platform is @slow too (its tags on two lines)");
            Assert.That(PlatformHooks.LikelyUsedBy(features.FullName, TagExpression.Parse("@console").Matches), Is.False,
                "a scenario's own @platform is not the feature's: the pool learns of it once the features are parsed");
            Assert.That(PlatformHooks.LikelyUsedBy(Path.Combine(features.FullName, "missing"), _ => true), Is.False);
        }
        finally
        {
            features.Delete(recursive: true);
        }
    }

    [Test]
    public void Features_whose_selected_scenarios_take_no_platform_run_first_each_kept_whole_and_in_file_order()
    {
        DirectoryInfo features = Directory.CreateTempSubdirectory("hil-run-order-");
        try
        {
            File.WriteAllText(Path.Combine(features.FullName, "a.feature"), "@platform\nFeature: a\n  Scenario: a1\n    Given a node\n  Scenario: a2\n    Given a node\n");
            File.WriteAllText(Path.Combine(features.FullName, "b.feature"), "Feature: b\n  Scenario: b1\n    Given a node\n");
            File.WriteAllText(Path.Combine(features.FullName, "c.feature"),
                "Feature: c\n  Scenario: c1\n    Given a node\n  @platform @slow\n  Scenario: c2\n    Given a node\n");
            File.WriteAllText(Path.Combine(features.FullName, "d.feature"), "Feature: d\n  Scenario: d1\n    Given a node\n");
            IReadOnlyList<ScenarioCase> scenarios = FeatureLoader.LoadDirectory(features.FullName);
            string Order(string tags) =>
                string.Join(" ", PlatformHooks.FeaturesWithoutPlatformFirst(scenarios, s => TagExpression.Parse(tags).Matches(s.Tags)).Select(s => s.Name));

            Assert.That(Order(""), Is.EqualTo("b1 d1 a1 a2 c1 c2"), "c takes a platform in c2, so all of c runs with a");
            Assert.That(Order("not @slow"), Is.EqualTo("b1 c1 c2 d1 a1 a2"), "c2 is not selected: c takes no platform this run");
            Assert.That(Order("@platform"), Is.EqualTo("b1 d1 a1 a2 c1 c2"), "a feature with nothing selected takes no platform");
        }
        finally
        {
            features.Delete(recursive: true);
        }
    }

    private static (string Data, int Mqtt, Uri Http) Describe(ScenarioPlatform platform) =>
        (platform.DataDirectory, platform.Host.MqttPort, platform.Host.Backend.HttpAddress);

    private static async Task<bool> RefusesAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}
