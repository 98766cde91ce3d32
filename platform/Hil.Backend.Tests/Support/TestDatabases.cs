using Hil.Backend.Storage;
namespace Hil.Backend.Tests;

/// <summary>
/// Starts one PostgreSQL for the whole test run (lazily: SQLite-only runs never pay for it). In the assembly's root
/// namespace because NUnit runs a set-up fixture's tear-down only around the tests of its own namespace: in
/// Hil.Backend.Tests.Support, which holds no test, it never ran, and every run left its server behind.
/// </summary>
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
