using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Hil.Harness.Tests.Support.RenodeStandIn;

/// <summary>
/// Stands in for Renode 1.16's monitor, which cannot be installed here, replaying the bytes
/// ../shared/RENODE.md records: telnet negotiation on connect, the banner and a prompt on the first
/// connection only, the echo of each command and "\n\r", results ending "\r\r\n" or "\r\n\r",
/// red errors (or plain ones with <c>--plain</c>), coloured or plain prompts, and <c>quit</c>.
/// Machines, terminals and time are backed by <see cref="StandInMachine"/>: behind the terminal
/// ports runs the native build of the firmware, the one part that is not Renode.
/// One client at a time, like Renode (a second simultaneous client receives nothing).
/// It also does what the real Renode 1.16.1 was seen doing with the harness (RENODE.md, last section):
/// it dies (the monitor just closes) on <c>mach rem</c> while started, on <c>emulation RunFor</c> with
/// no machine, on the first RunFor after a machine that ran was removed (the real one does, about
/// one time in ten), and on loading the platform of a machine created before a RunFor; input on a terminal waits for time to run; a missing ELF is "Parameters did not
/// match the signature"; the STM32F4 platform prints the failed SVD download; and it deletes every
/// <c>/tmp/renode-*</c> folder not named after a live process when it starts and when it quits.
/// </summary>
public sealed class RenodeStandIn : IAsyncDisposable
{
    private static readonly byte[] Negotiation = [0xFF, 0xFD, 0x00, 0xFF, 0xFD, 0x1F, 0xFF, 0xFB, 0x01, 0xFF, 0xFB, 0x03, 0xFF, 0xFC, 0x22];
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly bool _plain;
    private readonly Dictionary<string, StandInMachine> _machines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StandInUart> _terminals = new(StringComparer.Ordinal);
    private readonly List<string> _commands = new();
    // Not "renode-...": Renode deletes those folders (and so does the stand-in, see DeleteOtherRenodeFolders).
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("hil-renode-stand-in-").FullName;
    private readonly Dictionary<string, string> _macros = new(StringComparer.Ordinal);
    private readonly Task _acceptLoop;
    private StandInMachine? _selected;
    private bool _bannerSent;
    private bool _redPromptOpen;
    private bool _started;
    private bool _removedOneThatRan;

    private RenodeStandIn(bool plain)
    {
        _plain = plain;
        DeleteOtherRenodeFolders();
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public static RenodeStandIn Start(bool plain = false) => new(plain);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Whether it died as Renode 1.16.1 does (a crash: the monitor closed without a word).</summary>
    public bool HasCrashed { get; private set; }

    /// <summary>Every command received, in order.</summary>
    public IReadOnlyList<string> Commands { get { lock (_commands) return _commands.ToArray(); } }

    public bool HasQuit { get; private set; }

    private string Red(string text) => _plain ? text : "\x1b[91m" + text + "\x1b[0m";

    private string Prompt()
    {
        _redPromptOpen = _selected is null && !_plain;
        if (_plain) return $"({_selected?.Name ?? "monitor"}) ";
        return _selected is null ? "\x1b[91m(monitor) " : $"\x1b[33m({_selected.Name}) \x1b[0m";
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!HasQuit)
            {
                using Socket client = await _listener.AcceptSocketAsync();
                await using var stream = new NetworkStream(client);
                await ServeAsync(stream);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    private async Task ServeAsync(NetworkStream stream)
    {
        await stream.WriteAsync(Negotiation);
        if (!_bannerSent)
        {
            _bannerSent = true;
            string reset = _plain ? "" : "\x1b[0m";
            await SendAsync(stream, $"{reset}Renode, version 1.16.1 (stand-in for the harness's tests)\n\r\n\r" + Prompt());
        }
        var line = new StringBuilder();
        var buffer = new byte[1024];
        try
        {
            int count;
            while ((count = await stream.ReadAsync(buffer)) > 0)
            {
                foreach (char c in Encoding.UTF8.GetString(buffer, 0, count))
                {
                    if (c == '\0') continue;
                    if (c != '\n' && c != '\r') { line.Append(c); continue; }
                    string command = line.ToString();
                    line.Clear();
                    string reply = (_redPromptOpen ? "\x1b[0m" : "") + command + "\n\r" + await ExecuteAsync(command);
                    if (HasCrashed)
                    {
                        // Killed by a signal: the echo went out, nothing after it (RENODE.md's transcripts).
                        await SendAsync(stream, (_redPromptOpen ? "\x1b[0m" : "") + command + "\n\r");
                        _listener.Stop();
                        return;
                    }
                    if (HasQuit)
                    {
                        await SendAsync(stream, reply);
                        return;
                    }
                    await SendAsync(stream, reply + Prompt());
                }
            }
        }
        catch (IOException) { } // the client went away; Renode keeps its state for the next one
    }

    private static Task SendAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

    private async Task<string> ExecuteAsync(string command)
    {
        if (command.Length == 0) return "";
        lock (_commands) _commands.Add(command);
        string[] words = Words(command);
        try
        {
            return await DispatchAsync(command, words);
        }
        catch (StandInError e)
        {
            return e.Text;
        }
    }

    private async Task<string> DispatchAsync(string command, string[] w)
    {
        switch (w)
        {
            case ["mach", "create", var name]:
                _selected = _machines[name] = new StandInMachine(name, _workDirectory);
                return "";
            case ["mach", "set", var name]:
                _selected = _machines.GetValueOrDefault(name) ?? throw ExecutionError(command, $"Machine '{name}' does not exist.");
                return "";
            case ["mach", "rem", var name]:
                if (_started) return Crash();
                if (_machines.Remove(name, out StandInMachine? removed))
                {
                    _removedOneThatRan |= removed.HasRun;
                    await removed.DisposeAsync();
                }
                if (_selected == removed) _selected = null;
                return "";
            case ["Clear"]:
                await ClearAsync();
                return "";
            case ["macro", var name, _] when _selected is not null:
                _macros[$"{_selected.Name}.{name}"] = w[2];
                return "";
            case ["emulation", "SetAdvanceImmediately", "true" or "false"]:
                return "";
            case [var uart, "CreateFileBackend", var file, "true"] when _selected?.Uart(uart) is StandInUart terminal:
                terminal.CreateFileBackend(file.TrimStart('@'));
                return "";
            case [var uart, "WriteChar", var value] when _selected?.Uart(uart) is StandInUart terminal:
                await terminal.WriteFromMonitorAsync([(byte)Hex(value)]);
                return "";
            case [var uart, "WriteLine", var text, "None"] when _selected?.Uart(uart) is StandInUart terminal:
                await terminal.WriteFromMonitorAsync(text.Select(c => (byte)c).ToArray());
                return "";
            case [var cpu, "IsHalted", "true"] when _selected is not null && cpu == "sysbus.cpu":
                await _selected.StopNodeAsync();
                return "";
            case ["machine", "LoadPlatformDescription", var file] when _selected is not null:
                if (_selected.TimeRanBeforePlatform) return Crash();
                RequireFile(command, file);
                _selected.LoadPlatform();
                // Offline, stm32f4.repl's SVD cannot be fetched; Renode says so and loads the platform anyway.
                return "Failed to download https://dl.antmicro.com/projects/renode/svd/STM32F40x.svd.gz, see log for details.\r\n";
            case ["sysbus", "LoadELF", var file] when _selected is not null:
                if (!File.Exists(file.TrimStart('@'))) throw ExecutionError(command, "Parameters did not match the signature");
                return "";
            case ["sysbus", "WriteDoubleWord", var address, var value] when _selected is not null:
                _selected.Write(Hex(address), Hex(value));
                return "";
            case ["sysbus", "ReadDoubleWord", var address] when _selected is not null:
                return $"0x{_selected.Read(Hex(address)):x}\r\r\n";
            case ["emulation", "CreateServerSocketTerminal", var port, var name, "false"]:
                _terminals[name] = new StandInUart(int.Parse(port, CultureInfo.InvariantCulture), name);
                return "";
            case ["connector", "Connect", var peripheral, var terminal] when _selected is not null:
                _selected.Connect(peripheral, _terminals.GetValueOrDefault(terminal)
                    ?? throw ExecutionError(command, $"No such external: {terminal}"));
                return "";
            case ["emulation", "SetGlobalQuantum", _]:
                return "";
            case ["start"]:
                _started = true;
                foreach (StandInMachine machine in _machines.Values) await machine.LaunchAsync(virtualClock: false);
                return "Starting emulation...\r\n\r";
            case ["pause"]:
                _started = false;
                return "Pausing emulation...\r\n\r";
            case ["emulation", "RunFor", var interval]:
                if (_machines.Count == 0 || _removedOneThatRan) return Crash();
                TimeSpan duration = TimeSpan.FromSeconds(double.Parse(interval, CultureInfo.InvariantCulture));
                foreach (StandInMachine machine in _machines.Values)
                {
                    if (!machine.HasPlatform) machine.TimeRanBeforePlatform = true;
                    else await machine.RunForAsync(duration);
                }
                return "";
            case ["machine", "Reset"] when _selected is not null:
                await _selected.StopNodeAsync();
                return "";
            case ["Save", var file]:
                await SaveAsync(file.TrimStart('@'));
                return "";
            case ["Load", var file]:
                await LoadAsync(command, file);
                return "";
            case ["quit"]:
                HasQuit = true;
                DeleteOtherRenodeFolders();
                return "Renode is quitting\r\n\r";
            default:
                throw new StandInError(Red($"No such command or device: {w[0]}\r\n"));
        }
    }

    private string Crash()
    {
        HasCrashed = true;
        HasQuit = true;
        return "";
    }

    /// <summary><c>Clear</c>: every machine and terminal gone, a fresh emulation (never seen to crash).</summary>
    private async Task ClearAsync()
    {
        foreach (StandInMachine machine in _machines.Values) await machine.DisposeAsync();
        foreach (StandInUart terminal in _terminals.Values) await terminal.DisposeAsync();
        _machines.Clear();
        _terminals.Clear();
        _macros.Clear();
        _selected = null;
        _started = false;
        _removedOneThatRan = false;
    }

    /// <summary>
    /// What Renode does when it starts and when it exits: every folder in the temporary folder whose name is
    /// "renode-" and something other than the id of a live process is deleted.
    /// </summary>
    public static void DeleteOtherRenodeFolders()
    {
        foreach (string folder in Directory.EnumerateDirectories(Path.GetTempPath(), "renode-*"))
        {
            string rest = Path.GetFileName(folder)["renode-".Length..];
            if (int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && Directory.Exists($"/proc/{pid}")) continue;
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// The whole emulation: each machine's name, platform, memory words and flash (the native node's config), and for a
    /// running node on virtual time its device time and what its UARTs had sent (<see cref="StandInMachine.RestoreTo"/>).
    /// </summary>
    private async Task SaveAsync(string path)
    {
        var snapshot = new List<SavedMachine>();
        foreach (StandInMachine m in _machines.Values)
        {
            long? uptime = await m.UptimeAsync();
            byte[] flash = uptime is null ? File.Exists(m.FlashPath) ? File.ReadAllBytes(m.FlashPath) : [] : m.FlashAtLaunch;
            snapshot.Add(new SavedMachine(m.Name, m.HasPlatform, m.Memory.ToDictionary(), Convert.ToBase64String(flash),
                uptime, [m.SentOn(1), m.SentOn(2), m.SentOn(3)]));
        }
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(snapshot));
    }

    /// <summary>
    /// As Renode's <c>Load</c>: the emulation is replaced, machines come back paused, terminals and file backends
    /// (externals, which Renode does not save) and macros are gone, no machine is selected.
    /// </summary>
    private async Task LoadAsync(string command, string file)
    {
        RequireFile(command, file);
        var snapshot = JsonSerializer.Deserialize<List<SavedMachine>>(await File.ReadAllTextAsync(file.TrimStart('@')))!;
        await ClearAsync();
        foreach (SavedMachine saved in snapshot)
        {
            var machine = new StandInMachine(saved.Name, _workDirectory);
            if (saved.HasPlatform) machine.LoadPlatform();
            foreach ((uint address, uint value) in saved.Memory) machine.Write(address, value);
            if (saved.Flash.Length > 0) await File.WriteAllBytesAsync(machine.FlashPath, Convert.FromBase64String(saved.Flash));
            else File.Delete(machine.FlashPath);
            if (saved.UptimeMs is long uptime) machine.RestoreTo = (uptime, saved.Sent);
            _machines[saved.Name] = machine;
        }
    }

    private sealed record SavedMachine(string Name, bool HasPlatform, Dictionary<uint, uint> Memory, string Flash, long? UptimeMs, long[] Sent);

    private void RequireFile(string command, string file)
    {
        string path = file.TrimStart('@');
        if (!File.Exists(path)) throw ExecutionError(command, $"Could not find file '{path}'.");
    }

    private StandInError ExecutionError(string command, string message) =>
        new(Red($"There was an error executing command '{command}': \r\n") + Red(message + "\r\n"));

    private static uint Hex(string text) => uint.Parse(text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>
    /// Splits a command into words as Renode's tokenizer does: a word in double quotes loses them and its \" become ",
    /// one in single quotes loses them and its \' become ' (no other escape is known to it).
    /// </summary>
    internal static string[] Words(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        char quote = '\0';
        bool inWord = false;
        for (int i = 0; i < command.Length; i++)
        {
            char c = command[i];
            if (quote != '\0')
            {
                if (c == '\\' && i + 1 < command.Length && command[i + 1] == quote) { word.Append(quote); i++; continue; }
                if (c == quote) { quote = '\0'; continue; }
                word.Append(c);
                continue;
            }
            if (c is '"' or '\'') { quote = c; inWord = true; continue; }
            if (c == ' ') { if (inWord) words.Add(word.ToString()); word.Clear(); inWord = false; continue; }
            word.Append(c);
            inWord = true;
        }
        if (inWord) words.Add(word.ToString());
        return words.ToArray();
    }

    private sealed class StandInError(string text) : Exception(text)
    {
        public string Text { get; } = text;
    }

    public async ValueTask DisposeAsync()
    {
        HasQuit = true;
        _listener.Stop();
        await _acceptLoop;
        foreach (StandInMachine machine in _machines.Values) await machine.DisposeAsync();
        foreach (StandInUart terminal in _terminals.Values) await terminal.DisposeAsync();
        try { Directory.Delete(_workDirectory, recursive: true); } catch (IOException) { }
        DeleteOtherRenodeFolders();
    }
}
