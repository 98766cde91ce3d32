namespace Hil.Backend.Tests.Support;

/// <summary>Starts one PostgreSQL for the whole test run (lazily: SQLite-only runs never pay for it).</summary>
[SetUpFixture]
public sealed class TestDatabases
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? _server;

    public static async Task<PostgresServer> PostgresAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _server ??= await PostgresServer.StartAsync();
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
