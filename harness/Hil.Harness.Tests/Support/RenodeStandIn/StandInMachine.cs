using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hil.Harness.Firmware;
using Hil.Harness.Support;
using Hil.Harness.Targets;

namespace Hil.Harness.Tests.Support.RenodeStandIn;

/// <summary>
/// A machine of the stand-in. What Renode would emulate from the ELF is, here, the native build of
/// the same firmware, wired to the machine's terminals: the only part of the stand-in that is not
/// Renode's documented behaviour. Its MAC comes from the identity words written to 0x20000000,
/// its RAM-kept config from a flash file; virtual time maps to the native clock-control protocol.
/// </summary>
internal sealed class StandInMachine(string name, string workDirectory) : IAsyncDisposable
{
    private static readonly string[] NativeChannels = ["console", "link", "stimulus"];
    private readonly Dictionary<string, StandInUart> _uarts = new(StringComparer.Ordinal); // by "sysbus.usartN"
    private readonly Dictionary<uint, uint> _memory = new();
    private ManagedProcess? _node;
    private NetworkStream? _control;
    private readonly StringBuilder _controlPending = new();

    public string Name { get; } = name;
    public string FlashPath { get; } = Path.Combine(workDirectory, $"{name}.flash");
    public bool? VirtualClock { get; private set; }
    public bool Running => _node is not null;

    /// <summary>
    /// Where a machine loaded from a snapshot of a running node stands: its device time and what each UART (usart1..3)
    /// had sent. The stand-in's node cannot be frozen mid-run as Renode's is; being deterministic, it is run again to
    /// that time with the input it had taken in (none: the harness saves before it puts anything in) and its output to
    /// that point dropped, which leaves it where Renode's would be.
    /// </summary>
    public (long UptimeMs, long[] Sent)? RestoreTo { get; set; }

    /// <summary>The flash as the node found it when it started (what a re-run from a snapshot must start from).</summary>
    public byte[] FlashAtLaunch { get; private set; } = [];

    /// <summary>The node's device time (ms), or null when it is not running on virtual time.</summary>
    public async Task<long?> UptimeAsync() =>
        _control is null ? null : long.Parse((await RequestAsync("now"))[1], CultureInfo.InvariantCulture);

    /// <summary>What the UART behind <c>sysbus.usartN</c> has sent since the node started.</summary>
    public long SentOn(int n) => _uarts.GetValueOrDefault($"sysbus.usart{n}")?.FromNode ?? 0;

    /// <summary>Whether its platform is loaded (<c>machine LoadPlatformDescription</c>).</summary>
    public bool HasPlatform { get; set; }

    /// <summary>Whether time ran while it had no platform yet (Renode 1.16.1 then aborts when the platform is loaded).</summary>
    public bool TimeRanBeforePlatform { get; set; }

    /// <summary>Whether the machine ever ran (Renode 1.16.1 may crash on the next RunFor after such a machine is removed).</summary>
    public bool HasRun { get; private set; }

    public void Connect(string peripheral, StandInUart terminal)
    {
        _uarts[peripheral] = terminal;
        terminal.FreeRunning = VirtualClock == false;
    }

    public StandInUart? Uart(string peripheral) => _uarts.GetValueOrDefault(peripheral);

    /// <summary><c>machine LoadPlatformDescription</c>: the platform's UARTs, with no terminal until one is connected.</summary>
    public void LoadPlatform()
    {
        HasPlatform = true;
        for (int i = 1; i <= 3; i++)
            if (!_uarts.ContainsKey($"sysbus.usart{i}")) _uarts[$"sysbus.usart{i}"] = new StandInUart(0, $"{Name}-usart{i}") { FreeRunning = VirtualClock == false };
    }

    public void Write(uint address, uint value) => _memory[address] = value;

    public uint Read(uint address) => _memory.GetValueOrDefault(address);

    public IReadOnlyDictionary<uint, uint> Memory => _memory;

    /// <param name="waitForHarness">Wait for the harness's terminal connections first (not after a snapshot load, when it reconnects later).</param>
    public async Task LaunchAsync(bool virtualClock, bool waitForHarness = true)
    {
        if (_node is not null) return;
        VirtualClock = virtualClock;
        HasRun = true;
        foreach (StandInUart uart in _uarts.Values) uart.FreeRunning = !virtualClock;
        if (waitForHarness) foreach (StandInUart uart in _uarts.Values.Where(u => u.HasTerminal)) await uart.WaitForHarnessAsync();
        var listeners = new List<(StandInUart? Uart, TcpListener Listener)>();
        var arguments = new List<string>();
        for (int i = 0; i < NativeChannels.Length; i++)
        {
            StandInUart? uart = _uarts.GetValueOrDefault($"sysbus.usart{i + 1}");
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            listeners.Add((uart, listener));
            arguments.AddRange([$"--{NativeChannels[i]}", $"tcp:127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}"]);
        }
        TcpListener? control = null;
        if (virtualClock)
        {
            control = new TcpListener(IPAddress.Loopback, 0);
            control.Start();
            arguments.AddRange(["--clock", "virtual", "--control", $"tcp:127.0.0.1:{((IPEndPoint)control.LocalEndpoint).Port}"]);
        }
        arguments.AddRange(["--flash", FlashPath, "--mac", Mac()]);
        FlashAtLaunch = File.Exists(FlashPath) ? await File.ReadAllBytesAsync(FlashPath) : [];
        _node = ManagedProcess.Start(FirmwareImages.NativeExecutable, arguments, workDirectory);
        foreach ((StandInUart? uart, TcpListener listener) in listeners)
        {
            Socket socket = await listener.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10));
            socket.NoDelay = true;
            var stream = new NetworkStream(socket, ownsSocket: true);
            if (uart is null) await stream.DisposeAsync(); else uart.AttachNode(stream);
            listener.Stop();
        }
        if (control is not null)
        {
            _control = new NetworkStream(await control.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10)), ownsSocket: true);
            _controlPending.Clear();
            control.Stop();
        }
        if (RestoreTo is ({ } uptime, { } sent) && _control is not null)
        {
            RestoreTo = null;
            StandInUart?[] uarts = Enumerable.Range(1, 3).Select(i => _uarts.GetValueOrDefault($"sysbus.usart{i}")).ToArray();
            for (int i = 0; i < 3; i++) uarts[i]?.Suppress(sent[i]);
            string[] ok = await RequestAsync($"advance {uptime} 0 0 0");
            for (int i = 0; i < 3; i++)
                if (uarts[i] is StandInUart uart) await uart.WaitForwardedAsync(long.Parse(ok[2 + i], CultureInfo.InvariantCulture));
        }
    }

    /// <summary><c>emulation RunFor</c>: advances the node's clock, waiting for its output to reach the harness.</summary>
    public async Task RunForAsync(TimeSpan duration)
    {
        if (_node is null) await LaunchAsync(virtualClock: true);
        if (_control is null) return; // a free-running (start-ed) machine: time passes by itself
        foreach (StandInUart uart in _uarts.Values) await uart.ReleaseHeld();
        long remaining = (long)Math.Ceiling(duration.TotalMilliseconds);
        long now = long.Parse((await RequestAsync("now"))[1], CultureInfo.InvariantCulture);
        long target = now + remaining;
        while (now < target)
        {
            StandInUart?[] uarts = Enumerable.Range(1, 3).Select(i => _uarts.GetValueOrDefault($"sysbus.usart{i}")).ToArray();
            string rx = string.Join(' ', uarts.Select(u => (u?.ToNode ?? 0).ToString(CultureInfo.InvariantCulture)));
            string[] ok = await RequestAsync($"advance {target - now} {rx}");
            now = long.Parse(ok[1], CultureInfo.InvariantCulture);
            for (int i = 0; i < 3; i++)
                if (uarts[i] is StandInUart uart) await uart.WaitForwardedAsync(long.Parse(ok[2 + i], CultureInfo.InvariantCulture));
        }
    }

    /// <summary><c>machine Reset</c>: the node is powered down; it runs again at the next start or RunFor.</summary>
    public async Task StopNodeAsync()
    {
        foreach (StandInUart uart in _uarts.Values) await uart.DetachNodeAsync();
        if (_control is not null) await _control.DisposeAsync();
        _control = null;
        if (_node is not null) await _node.DisposeAsync();
        _node = null;
    }

    public async Task DropHarnessConnectionsAsync()
    {
        foreach (StandInUart uart in _uarts.Values) await uart.DropHarnessAsync();
    }

    private string Mac()
    {
        if (Read(0x2000_0000) != 0x3143_414D) return "02:00:00:00:00:02"; // no identity record: the firmware's fallback
        byte[] word1 = BitConverter.GetBytes(Read(0x2000_0004));
        byte[] word2 = BitConverter.GetBytes(Read(0x2000_0008));
        return NodeMac.Format([word1[0], word1[1], word1[2], word1[3], word2[0], word2[1]]);
    }

    private async Task<string[]> RequestAsync(string request)
    {
        await _control!.WriteAsync(Encoding.ASCII.GetBytes(request + "\n"));
        var buffer = new byte[256];
        while (!_controlPending.ToString().Contains('\n'))
        {
            int count = await _control.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            if (count == 0) throw new IOException($"stand-in machine {Name}: the node closed its clock control. {_node?.Evidence()}");
            _controlPending.Append(Encoding.ASCII.GetString(buffer, 0, count));
        }
        string text = _controlPending.ToString();
        int newline = text.IndexOf('\n');
        _controlPending.Remove(0, newline + 1);
        return text[..newline].Trim().Split(' ');
    }

    /// <summary>Terminals belong to the emulation, not the machine: they outlive it; the platform's own UARTs do not.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopNodeAsync();
        foreach (StandInUart uart in _uarts.Values.Where(u => !u.HasTerminal)) await uart.DisposeAsync();
    }
}
