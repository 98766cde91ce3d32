using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Hil.Backend.Hosting;
using Hil.Backend.Security;
using Hil.Backend.Tests.Support;

namespace Hil.Backend.Tests.Hardening;

/// <summary>What a user token is worth after its user is revoked, created again, or given another role.</summary>
public sealed class UserTokenTests
{
    private RunningBackend _backend = null!;
    private static readonly byte[] SigningKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [OneTimeSetUp]
    public async Task StartAsync() => _backend = await RunningBackend.StartAsync("sqlite",
        o => o with { Provisioning = Provisioning.Keys, JwtSigningKey = SigningKey });

    [OneTimeTearDown]
    public async Task StopAsync() => await _backend.DisposeAsync();

    [Test]
    public async Task A_token_revoked_with_its_user_stays_dead_when_the_name_is_created_again_even_as_admin()
    {
        using var old = _backend.Client(await _backend.CreateUserAsync("t1", "viewer"));
        await (await old.GetAsync("/api/v1/nodes")).JsonAsync(HttpStatusCode.OK);
        await (await _backend.Admin.DeleteAsync("/api/v1/users/t1")).JsonAsync(HttpStatusCode.NoContent);
        await (await old.GetAsync("/api/v1/nodes")).ProblemAsync(HttpStatusCode.Unauthorized);

        using var renewed = _backend.Client(await _backend.CreateUserAsync("t1", "admin"));

        Assert.That(await (await old.GetAsync("/api/v1/nodes")).ProblemAsync(HttpStatusCode.Unauthorized), Does.Contain("token issued before"));
        await (await old.PostAsync($"/api/v1/nodes/{RunningBackend.NewNodeId()}/keys", null)).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await renewed.PostAsync($"/api/v1/nodes/{RunningBackend.NewNodeId()}/keys", null)).JsonAsync(HttpStatusCode.Created);
    }

    [Test]
    public async Task Creating_an_existing_user_is_409_and_a_role_changes_only_through_its_own_route()
    {
        using var user = _backend.Client(await _backend.CreateUserAsync("t2", "viewer"));

        var again = await _backend.Admin.PostAsJsonAsync("/api/v1/users", new { name = "t2", role = "admin" });
        Assert.That(await again.ProblemAsync(HttpStatusCode.Conflict), Does.Contain("already exists"));
        await (await user.PostAsJsonAsync($"/api/v1/nodes/{RunningBackend.NewNodeId()}/commands", new { type = "reboot" })).ProblemAsync(HttpStatusCode.Forbidden);
        var admin = await _backend.Admin.PostAsJsonAsync("/api/v1/users", new { name = BackendHost.BootstrapAdmin, role = "viewer" });
        await admin.ProblemAsync(HttpStatusCode.Conflict);
        await (await _backend.Admin.GetAsync("/api/v1/nodes")).JsonAsync(HttpStatusCode.OK); // the admin did not demote itself

        var changed = await (await _backend.Admin.PutAsJsonAsync("/api/v1/users/t2/role", new { role = "operator" })).JsonAsync(HttpStatusCode.OK);
        Assert.That(changed.GetProperty("role").GetString(), Is.EqualTo("operator"));
        await (await user.PostAsJsonAsync($"/api/v1/nodes/{RunningBackend.NewNodeId()}/commands", new { type = "reboot" })).JsonAsync(HttpStatusCode.Created);
        await (await _backend.Admin.PutAsJsonAsync("/api/v1/users/nobody/role", new { role = "operator" })).ProblemAsync(HttpStatusCode.NotFound);
        await (await _backend.Admin.PutAsJsonAsync("/api/v1/users/t2/role", new { role = "root" })).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task A_token_whose_not_before_is_in_the_future_is_refused()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string epoch = (await _backend.Host.Store.GetUserAsync(BackendHost.BootstrapAdmin))!.TokenEpoch!;
        using var early = _backend.Client(Sign($$"""{"sub":"admin","iat":{{now}},"nbf":{{now + 3600}},"exp":{{now + 7200}},"hil_epoch":"{{epoch}}"}"""));
        using var inTime = _backend.Client(Sign($$"""{"sub":"admin","iat":{{now}},"nbf":{{now - 5}},"exp":{{now + 7200}},"hil_epoch":"{{epoch}}"}"""));

        Assert.That(await (await early.GetAsync("/api/v1/nodes")).ProblemAsync(HttpStatusCode.Unauthorized), Does.Contain("not valid yet"));
        await (await inTime.GetAsync("/api/v1/nodes")).JsonAsync(HttpStatusCode.OK);
    }

    /// <summary>An HS256 token with these claims, signed with the backend's key (a token a leaked key could mint; here: the test's).</summary>
    private static string Sign(string claims)
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        string head = B64("""{"alg":"HS256","typ":"JWT"}"""u8.ToArray()) + "." + B64(Encoding.UTF8.GetBytes(claims));
        return head + "." + B64(HMACSHA256.HashData(SigningKey, Encoding.ASCII.GetBytes(head)));
    }
}
