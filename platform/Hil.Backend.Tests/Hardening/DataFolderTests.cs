using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Hil.Backend.Tests.Support;

namespace Hil.Backend.Tests.Hardening;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DataFolderTests
{
    [Test]
    public async Task The_database_files_in_the_data_folder_are_owner_only_like_the_token_key()
    {
        string folder;
        await using (var backend = await RunningBackend.StartAsync("sqlite"))
        {
            string node = RunningBackend.NewNodeId();
            await (await backend.Anonymous.PostAsync("/api/v1/telemetry", RunningBackend.Json($$"""{"node_id":"{{node}}","temp":21}""")))
                .JsonAsync(HttpStatusCode.Accepted);
            folder = backend.Host.Services.GetRequiredService<Hil.Backend.Hosting.BackendOptions>().DataDirectory;
            const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            string[] files = ["hil.db", "hil.db-wal", "hil.db-shm", "jwt.key"];
            Assert.That(files.Select(f => (f, File.Exists(Path.Combine(folder, f)) ? File.GetUnixFileMode(Path.Combine(folder, f)) : (UnixFileMode?)null)),
                Is.EqualTo(files.Select(f => (f, (UnixFileMode?)OwnerOnly))), "SQLite's files hold key hashes and every node's data");
        }
    }
}
