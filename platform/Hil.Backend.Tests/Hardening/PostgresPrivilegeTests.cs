using System.Net;
using System.Text.Json;
using Hil.Backend.Tests.Support;
using Hil.Mqtt.Client;
using Hil.Mqtt.Packets;
using Npgsql;

namespace Hil.Backend.Tests.Hardening;

/// <summary>A least-privilege deployment: the backend's role owns its database and is nothing more (every PostgreSQL test runs so).</summary>
public sealed class PostgresPrivilegeTests
{
    [Test]
    public async Task The_platform_runs_on_PostgreSQL_as_a_database_owner_without_superuser()
    {
        string connection = await (await TestDatabases.PostgresAsync()).CreateDatabaseAsync();
        await using (var source = NpgsqlDataSource.Create(connection))
        await using (var who = source.CreateCommand("SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = current_user"))
            Assert.That(await who.ExecuteScalarAsync(), Is.False, "the tests connect as a role without superuser, CREATEDB or CREATEROLE");

        await using var running = await RunningPlatform.StartAsync(o => o with { PostgresConnectionString = connection });
        string node = RunningBackend.NewNodeId();
        await using var device = new MqttClient();
        Assert.That((await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(running.Host.MqttHost, running.Host.MqttPort).WithClientId(node).Build())).IsSuccess);
        var published = await device.PublishAsync(new MqttApplicationMessage($"devices/{node}/telemetry",
            $$"""{"v":2,"node_id":"{{node}}","boot":1,"seq":1,"temperature_c":21}""", MqttQos.AtLeastOnce));
        Assert.That(published.IsSuccess, Is.True, "acknowledged: committed");
        string rows = await (await running.Admin.GetAsync($"/api/v1/nodes/{node}/telemetry")).Content.ReadAsStringAsync();
        Assert.That(JsonDocument.Parse(rows).RootElement.GetArrayLength(), Is.EqualTo(1), rows);
    }
}
