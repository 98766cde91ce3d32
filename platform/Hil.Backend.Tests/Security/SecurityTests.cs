using System.Net;
using System.Net.Http.Json;
using Hil.Backend.Hosting;
using Hil.Backend.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Hil.Backend.Tests.Security;

/// <summary>Authentication, per-request authorisation and revocation, in provisioning mode 'keys'.</summary>
public sealed class SecurityTests
{
    private readonly CapturingLoggerProvider _logs = new();
    private RunningBackend _backend = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _backend = await RunningBackend.StartAsync("sqlite",
        o => o with { Provisioning = Provisioning.Keys, ExtraLogger = _logs, LogLevel = LogLevel.Debug });

    [OneTimeTearDown]
    public async Task StopAsync() => await _backend.DisposeAsync();

    private static string V1(string node) => $$"""{"node_id":"{{node}}","temp":21}""";

    [Test]
    public async Task Missing_credentials_are_401_and_too_small_a_role_is_403()
    {
        var anonymous = await _backend.Anonymous.GetAsync("/api/v1/nodes");
        await anonymous.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.That(anonymous.Headers.WwwAuthenticate.ToString(), Does.Contain("Bearer"));
        using var viewer = _backend.Client(await _backend.CreateUserAsync("viewer1", "viewer"));
        await (await viewer.GetAsync("/api/v1/nodes")).JsonAsync(HttpStatusCode.OK);
        await (await viewer.PostAsJsonAsync("/api/v1/nodes/a1b2c3d4e5f6/commands", new { type = "reboot" })).ProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostAsJsonAsync("/api/v1/users", new { name = "x", role = "admin" })).ProblemAsync(HttpStatusCode.Forbidden);
        using var forged = _backend.Client("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiJ9.AAAA");
        await (await forged.GetAsync("/api/v1/nodes")).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.That(await (await _backend.Admin.PostAsJsonAsync("/api/v1/users", new { name = "y", role = "root" })).ProblemAsync(HttpStatusCode.BadRequest), Does.Contain("role"));
    }

    [Test]
    public async Task A_user_revoked_between_two_requests_fails_on_the_second()
    {
        using var op = _backend.Client(await _backend.CreateUserAsync("operator1", "operator"));
        await (await op.GetAsync("/api/v1/nodes")).JsonAsync(HttpStatusCode.OK);
        await (await _backend.Admin.DeleteAsync("/api/v1/users/operator1")).JsonAsync(HttpStatusCode.NoContent);
        Assert.That(await (await op.GetAsync("/api/v1/nodes")).ProblemAsync(HttpStatusCode.Unauthorized), Does.Contain("revoked"));
    }

    [Test]
    public async Task A_device_key_revoked_between_two_requests_fails_on_the_second()
    {
        string node = RunningBackend.NewNodeId();
        var key = await _backend.CreateKeyAsync(node);
        using var device = _backend.Client(apiKey: key.Key);
        await (await device.PostAsync("/api/v1/telemetry", RunningBackend.Json(V1(node)))).JsonAsync(HttpStatusCode.Accepted);
        await (await _backend.Admin.DeleteAsync($"/api/v1/keys/{key.Id}")).JsonAsync(HttpStatusCode.NoContent);
        await (await device.PostAsync("/api/v1/telemetry", RunningBackend.Json(V1(node)))).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task In_keys_mode_a_node_needs_its_own_key()
    {
        string node = RunningBackend.NewNodeId(), other = RunningBackend.NewNodeId();
        Assert.That(await (await _backend.Anonymous.PostAsync("/api/v1/telemetry", RunningBackend.Json(V1(node)))).ProblemAsync(HttpStatusCode.Unauthorized),
            Does.Contain("X-Api-Key"));
        var key = await _backend.CreateKeyAsync(node);
        using var device = _backend.Client(apiKey: key.Key);
        Assert.That(await (await device.PostAsync("/api/v1/telemetry", RunningBackend.Json(V1(other)))).ProblemAsync(HttpStatusCode.Forbidden),
            Does.Contain($"belongs to node '{node}', not '{other}'"));
        Assert.That((await _backend.Admin.GetAsync($"/api/v1/nodes/{other}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound),
            "a refused post must not register the other node");
        await (await device.GetAsync($"/api/v1/nodes/{other}/commands/pending")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await device.GetAsync($"/api/v1/nodes/{node}/commands/pending")).JsonAsync(HttpStatusCode.OK);
        await (await _backend.Admin.PostAsync("/api/v1/telemetry", RunningBackend.Json(V1(node)))).ProblemAsync(HttpStatusCode.Forbidden);
        using var wrong = _backend.Client(apiKey: "hil_not-a-key");
        await (await wrong.PostAsync("/api/v1/telemetry", RunningBackend.Json(V1(node)))).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Keys_and_tokens_never_reach_the_log()
    {
        string node = RunningBackend.NewNodeId();
        var key = await _backend.CreateKeyAsync(node);
        string token = await _backend.CreateUserAsync("logcheck", "viewer");
        using var device = _backend.Client(apiKey: key.Key);
        await device.PostAsync("/api/v1/telemetry", RunningBackend.Json(V1(node)));
        await (await _backend.Admin.DeleteAsync($"/api/v1/keys/{key.Id}")).JsonAsync(HttpStatusCode.NoContent);
        await device.PostAsync("/api/v1/telemetry", RunningBackend.Json(V1(node)));
        using var user = _backend.Client(token);
        await user.GetAsync("/api/v1/nodes");
        await (await _backend.Admin.DeleteAsync("/api/v1/users/logcheck")).JsonAsync(HttpStatusCode.NoContent);
        await user.GetAsync("/api/v1/nodes");
        Assert.That(_logs.Lines, Is.Not.Empty, "debug logging is on, so there is something to search");
        string secretPart = key.Key["hil_".Length..];
        Assert.That(_logs.Lines.Where(l => l.Contains(secretPart) || l.Contains(token) || l.Contains(_backend.Host.AdminToken)), Is.Empty);
    }
}
