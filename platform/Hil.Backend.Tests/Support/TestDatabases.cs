using Hil.Backend.Storage;
namespace Hil.Backend.Tests.Support;

/// <summary>Starts one PostgreSQL for the whole test run (lazily: SQLite-only runs never pay for it).</summary>
[SetUpFixture]
public sealed class TestDatabases
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static ScratchPostgres? _server;

    public static async Task<ScratchPostgres> PostgresAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _server ??= await ScratchPostgres.StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _server = null;
    }
}
