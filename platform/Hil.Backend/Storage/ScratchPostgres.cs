using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Hil.Backend.Storage;

/// <summary>
/// A throw-away PostgreSQL for tests and `hil bench ingest` (Debian `postgresql`): initdb into a temporary folder, pg_ctl on a free loopback
/// port with a socket folder of its own, stopped and deleted afterwards. As root it runs as `postgres`.
/// </summary>
public sealed class ScratchPostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _root;
    private readonly string _data;
    private string _settings = "";
    private int _databases;
    private int _stopped;

    private ScratchPostgres(string bin, string root, int port) =>
        (_bin, _root, _data, Port) = (bin, root, Path.Combine(root, "data"), port);

    public int Port { get; }

    /// <summary>
    /// CPU time of the server so far: the postmaster, its live children (connections, WAL writer, checkpointer...) and
    /// the children that have ended (Linux /proc; benchmarks use it to tell the database's share from the client's).
    /// </summary>
    public TimeSpan ServerCpuTime()
    {
        string pidFile = Path.Combine(_data, "postmaster.pid");
        if (!OperatingSystem.IsLinux() || !File.Exists(pidFile)) return TimeSpan.Zero;
        string postmaster = File.ReadLines(pidFile).First().Trim();
        long ticks = 0;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            string[] fields;
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
                fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // Not a process, or one that just ended.
            }
            bool isPostmaster = Path.GetFileName(dir) == postmaster;
            // fields[1] is the parent pid; [11] utime, [12] stime, [13] cutime, [14] cstime (clock ticks).
            if (!isPostmaster && fields[1] != postmaster) continue;
            ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
            if (isPostmaster) ticks += long.Parse(fields[13]) + long.Parse(fields[14]);
        }
        return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);
    }

    // USER_HZ, which /proc reports in: 100 on every Linux architecture .NET runs on.
    private const int ClockTicksPerSecond = 100;

    /// <param name="durable">false (tests) turns fsync off for speed; benchmarks keep PostgreSQL's durable defaults.</param>
    public static async Task<ScratchPostgres> StartAsync(bool durable = false)
    {
        string bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault() ?? ""
            : "";
        if (bin == "") throw new InvalidOperationException("PostgreSQL not found under /usr/lib/postgresql/*/bin: run ci/install-prereqs.sh (Debian package postgresql)");
        string root = Directory.CreateTempSubdirectory("hil-pg-").FullName;
        var server = new ScratchPostgres(bin, root, FreePort());
        Directory.CreateDirectory(Path.Combine(root, "socket"));
        if (Environment.UserName == "root" && !OperatingSystem.IsWindows())
        {
            // initdb refuses to run as root; the data folder must belong to the user that runs the server.
            File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
            await RunAsync("chown", ["-R", "postgres:postgres", root]);
        }
        await server.RunPgAsync("initdb", ["-D", server._data, "-U", Superuser, "-A", "trust", "--no-sync", "-E", "UTF8"]);
        string settings = $"-c listen_addresses=127.0.0.1 -p {server.Port} -c unix_socket_directories={Path.Combine(root, "socket")} " +
                          "-c max_connections=200" + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        // pg_ctl -w waits until the server accepts connections (its own readiness check), bounded by -t.
        server._settings = settings;
        await server.RestartAsync();
        return server;
    }

    /// <summary>The server's superuser: only this class uses it, to create roles and databases.</summary>
    public const string Superuser = "postgres";

    /// <summary>
    /// The role the backend connects as: it owns its databases and nothing else (no superuser, no CREATEDB, no CREATEROLE),
    /// as a least-privilege deployment gives it, so what the backend needs beyond that shows up in the tests.
    /// </summary>
    public const string Owner = "hil";

    /// <summary>A fresh, empty database on this server owned by <see cref="Owner"/>, so each fixture starts from nothing.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        string name = $"hil{Interlocked.Increment(ref _databases)}";
        await AsSuperuserAsync($"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{Owner}') THEN
                CREATE ROLE {Owner} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
              END IF;
            END $$
            """);
        await AsSuperuserAsync($"CREATE DATABASE {name} OWNER {Owner}");
        return ConnectionString(name);
    }

    /// <summary>Runs one statement as the superuser in database <paramref name="database"/> (tests set up what the owner may not).</summary>
    public async Task AsSuperuserAsync(string sql, string database = "postgres")
    {
        await using var source = Npgsql.NpgsqlDataSource.Create(ConnectionString(database, Superuser));
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public string ConnectionString(string database, string user = Owner) =>
        $"Host=127.0.0.1;Port={Port};Username={user};Database={database};Maximum Pool Size=20";

    /// <summary>Stops the server, keeping its data (an outage a test can end with <see cref="RestartAsync"/>).</summary>
    public Task StopAsync() => RunPgAsync("pg_ctl", ["stop", "-m", "fast", "-w", "-D", _data]);

    /// <summary>Starts a server stopped by <see cref="StopAsync"/> again, on the same port, with the same data.</summary>
    public Task RestartAsync() => RunPgAsync("pg_ctl", ["start", "-w", "-t", "60", "-D", _data, "-l", Path.Combine(_root, "log"), "-o", _settings]);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        try
        {
            // Already stopped by StopAsync is fine: pg_ctl status decides, not an exception.
            if (File.Exists(Path.Combine(_data, "postmaster.pid"))) await StopAsync();
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private Task RunPgAsync(string tool, string[] args) => Environment.UserName == "root"
        ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args])
        : RunAsync(Path.Combine(_bin, tool), args);

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr} {await stdout}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
