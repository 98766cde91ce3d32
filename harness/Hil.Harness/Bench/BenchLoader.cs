using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hil.Harness.Clocks;
using Hil.Harness.Targets;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Hil.Harness.Bench;

/// <summary>
/// Reads and validates a bench file (docs/bench-files.md). Every problem is reported with the file
/// and line: unknown keys, missing or bad values, firmware files that do not exist, addresses of
/// services the harness must start whose port is taken, two targets on one serial device.
/// </summary>
public static class BenchLoader
{
    private static readonly string[] Backends = ["native", "qemu", "renode", "serial"];
    private static readonly string[] ResetKinds = ["none", "dtr", "rts", "command"];
    private static readonly string[] RigNodes = ["native", "qemu"];

    public static Bench Load(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new BenchFileException([$"{path}: bench file not found"]);
        return Parse(File.ReadAllText(full), full);
    }

    /// <param name="source">The file the text came from: named in errors; relative paths resolve from its folder.</param>
    public static Bench Parse(string yaml, string source)
    {
        var reader = new Reader(source);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new BenchFileException([$"{source}:{e.Start.Line}: not valid YAML: {e.Message}"]);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new BenchFileException([$"{source}:1: a bench file is a mapping with 'targets' (and optionally 'name', 'services')"]);
        Bench bench = reader.ReadBench(root);
        if (reader.Problems.Count > 0) throw new BenchFileException(reader.Problems);
        return bench;
    }

    /// <summary>Serial devices the bench names that are not there now (unplugged boards): one line each.</summary>
    public static IReadOnlyList<string> MissingDevices(Bench bench) =>
        bench.Targets.Where(t => t.Serial is not null)
            .SelectMany(t => t.Serial!.Devices.Select(d => (t, d.Key, d.Value)))
            .Where(x => !File.Exists(x.Value))
            .Select(x => $"target '{x.t.Name}': serial device {x.Value} ({x.Key}) is not there — is the board plugged in? (`hil boards` lists serial devices)")
            .ToArray();

    private sealed class Reader(string source)
    {
        private readonly Dictionary<string, (string Target, int Line)> _devices = new(StringComparer.Ordinal);
        public List<string> Problems { get; } = new();
        private string Folder => Path.GetDirectoryName(source) ?? ".";

        public Bench ReadBench(YamlMappingNode root)
        {
            Keys(root, "bench file", "name", "targets", "services");
            string name = Scalar(root, "name") ?? Path.GetFileNameWithoutExtension(source);
            var targets = new List<BenchTarget>();
            if (Child(root, "targets") is YamlSequenceNode list)
            {
                foreach (YamlNode item in list)
                {
                    if (item is YamlMappingNode target) { if (ReadTarget(target) is BenchTarget t) targets.Add(t); }
                    else Problem(item, "each entry of 'targets' is a mapping (name, backend, ...)");
                }
            }
            else
            {
                Problem(Child(root, "targets") ?? root, "'targets' must be a list of targets");
            }
            foreach (var duplicate in targets.SelectMany(t => t.InstanceNames.Select(n => (n, t))).GroupBy(x => x.n).Where(g => g.Count() > 1))
                Problems.Add($"{source}:{duplicate.Last().t.Line}: two targets are named '{duplicate.Key}'");
            BenchServices services = Child(root, "services") is YamlMappingNode s ? ReadServices(s) : Bench.Default.Services;
            return new Bench(name, targets, services, source);
        }

        private BenchTarget? ReadTarget(YamlMappingNode node)
        {
            Keys(node, "target", "name", "backend", "count", "clock", "firmware", "serial", "renode", "rig");
            string? name = Scalar(node, "name");
            string? backend = Scalar(node, "backend");
            if (name is null) { Problem(node, "a target needs a 'name'"); return null; }
            if (backend is null || !Backends.Contains(backend))
            {
                Problem(Child(node, "backend") ?? node, $"target '{name}': backend must be one of {string.Join(", ", Backends)}" + (backend is null ? "" : $" (not '{backend}')"));
                return null;
            }
            string? rig = Scalar(node, "rig");
            if (rig is not null && backend != "serial") { Problem(Child(node, "rig")!, $"target '{name}': 'rig' is only for backend serial (a board the harness builds behind socat ptys)"); rig = null; }
            if (rig is not null && !RigNodes.Contains(rig)) { Problem(Child(node, "rig")!, $"target '{name}': rig is native or qemu (not '{rig}')"); rig = null; }
            int count = Int(node, "count", 1, 1, 64);
            if (backend == "serial" && count != 1) Problem(Child(node, "count")!, $"target '{name}': a serial board is one board (count must be 1)");
            ClockMode clock = Scalar(node, "clock") switch
            {
                null or "wall" => ClockMode.Wall,
                "virtual" when backend != "serial" || rig is not null => ClockMode.Virtual,
                var other => Bad(Child(node, "clock")!, $"target '{name}': clock must be wall" + (backend == "serial" && rig is null ? " for a physical board" : " or virtual") + $" (not '{other}')", ClockMode.Wall),
            };
            BenchFirmware? firmware = Child(node, "firmware") is YamlMappingNode f ? ReadFirmware(f, name) : null;
            BenchSerial? serial = Child(node, "serial") is YamlMappingNode s ? ReadSerial(s, name) : null;
            if (backend == "serial" && serial is null && rig is null) Problem(node, $"target '{name}': a serial target needs a 'serial' section with its devices (or 'rig: native|qemu' for a board the harness builds)");
            if (rig is not null && serial is not null) Problem(Child(node, "serial")!, $"target '{name}': a rig board's devices are the pty pairs the harness makes; drop 'serial' or 'rig'");
            if (backend != "serial" && serial is not null) Problem(Child(node, "serial")!, $"target '{name}': 'serial' is only for backend serial");
            BenchRenode? renode = Child(node, "renode") is YamlMappingNode r ? ReadRenode(r, name) : null;
            if (backend != "renode" && renode is not null) Problem(Child(node, "renode")!, $"target '{name}': 'renode' is only for backend renode");
            return new BenchTarget(name, backend, count, clock, firmware, serial, renode, (int)node.Start.Line, rig);
        }

        private BenchFirmware? ReadFirmware(YamlMappingNode node, string target)
        {
            Keys(node, $"firmware of target '{target}'", "image", "version");
            string? image = Scalar(node, "image");
            if (image is null) { Problem(node, $"target '{target}': firmware needs an 'image'"); return null; }
            string path = Path.GetFullPath(Path.Combine(Folder, image));
            if (!File.Exists(path)) Problem(Child(node, "image")!, $"target '{target}': firmware file {path} does not exist (build it with ./hil build?)");
            return new BenchFirmware(path, Scalar(node, "version"));
        }

        private BenchSerial ReadSerial(YamlMappingNode node, string target)
        {
            Keys(node, $"serial of target '{target}'", "console", "link", "stimulus", "baud", "flow_control", "reset", "reset_command", "flash_command");
            var devices = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string channel in ChannelNames.Default)
            {
                if (Scalar(node, channel) is not string device) continue;
                devices[channel] = device;
                YamlNode at = Child(node, channel)!;
                if (_devices.TryGetValue(device, out var first))
                    Problem(at, $"target '{target}': {device} is already the device of target '{first.Target}' (line {first.Line}); two targets cannot share one device");
                else
                    _devices[device] = (target, (int)at.Start.Line);
            }
            if (!devices.ContainsKey(ChannelNames.Console)) Problem(node, $"target '{target}': serial needs at least a 'console' device");
            int baud = Int(node, "baud", 115200, 9600, 921600);
            try { Targets.Serial.SerialPort.ValidateBaud(baud); }
            catch (ArgumentOutOfRangeException e) { Problem(Child(node, "baud")!, $"target '{target}': {e.Message.Split('\n')[0].Split(" (Parameter")[0]}"); }
            string flow = Scalar(node, "flow_control") ?? "none";
            if (flow is not ("none" or "rts-cts")) Problem(Child(node, "flow_control")!, $"target '{target}': flow_control is none or rts-cts (not '{flow}')");
            string reset = Scalar(node, "reset") ?? "none";
            if (!ResetKinds.Contains(reset)) Problem(Child(node, "reset")!, $"target '{target}': reset is one of {string.Join(", ", ResetKinds)} (not '{reset}')");
            string? resetCommand = Scalar(node, "reset_command");
            if (reset == "command" && resetCommand is null) Problem(node, $"target '{target}': reset: command needs a reset_command");
            return new BenchSerial(devices, baud, flow == "rts-cts", reset, resetCommand, Scalar(node, "flash_command"));
        }

        private BenchRenode ReadRenode(YamlMappingNode node, string target)
        {
            Keys(node, $"renode of target '{target}'", "platform", "monitor", "quantum");
            string? platform = Scalar(node, "platform") is string p ? Path.GetFullPath(Path.Combine(Folder, p)) : null;
            if (platform is not null && !File.Exists(platform)) Problem(Child(node, "platform")!, $"target '{target}': platform description {platform} does not exist");
            string? monitor = Scalar(node, "monitor");
            if (monitor is not null && !TryAddress(monitor, out _, out _)) Problem(Child(node, "monitor")!, $"target '{target}': monitor is host:port (not '{monitor}')");
            TimeSpan? quantum = null;
            if (Scalar(node, "quantum") is string q)
            {
                if (double.TryParse(q, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0) quantum = TimeSpan.FromSeconds(seconds);
                else Problem(Child(node, "quantum")!, $"target '{target}': quantum is a number of seconds (not '{q}')");
            }
            return new BenchRenode(platform, monitor, quantum);
        }

        private BenchServices ReadServices(YamlMappingNode node)
        {
            Keys(node, "services", "broker", "backend", "scorer", "database");
            BenchService? Service(string name) => Child(node, name) is YamlMappingNode s ? ReadService(s, name) : null;
            return new BenchServices(Service("broker"), Service("backend"), Service("scorer"), Service("database"));
        }

        private BenchService ReadService(YamlMappingNode node, string name)
        {
            Keys(node, $"service '{name}'", "kind", "address", "connection");
            string kind = Scalar(node, "kind") ?? "embedded";
            string? host = null;
            int? port = null;
            if (Scalar(node, "address") is string address)
            {
                if (!TryAddress(address, out host, out int p)) Problem(Child(node, "address")!, $"service '{name}': address is host:port (not '{address}')");
                else if (kind == "embedded" && !PortFree(host!, p)) Problem(Child(node, "address")!, $"service '{name}': port {p} on {host} is in use (the harness must start it there)");
                port = host is null ? null : p;
            }
            return new BenchService(kind, host, port, Scalar(node, "connection"));
        }

        private void Keys(YamlMappingNode node, string where, params string[] known)
        {
            foreach (YamlNode key in node.Children.Keys)
            {
                string text = (key as YamlScalarNode)?.Value ?? key.ToString();
                if (!known.Contains(text)) Problem(key, $"unknown key '{text}' in {where} (known: {string.Join(", ", known)})");
            }
        }

        private static YamlNode? Child(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? value) ? value : null;

        private string? Scalar(YamlMappingNode node, string key)
        {
            YamlNode? value = Child(node, key);
            if (value is null) return null;
            if (value is YamlScalarNode scalar) return scalar.Value;
            Problem(value, $"'{key}' must be a single value");
            return null;
        }

        private int Int(YamlMappingNode node, string key, int fallback, int min, int max)
        {
            string? text = Scalar(node, key);
            if (text is null) return fallback;
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max) return value;
            Problem(Child(node, key)!, $"'{key}' must be a whole number from {min} to {max} (not '{text}')");
            return fallback;
        }

        private T Bad<T>(YamlNode at, string message, T fallback)
        {
            Problem(at, message);
            return fallback;
        }

        private void Problem(YamlNode at, string message) => Problems.Add($"{source}:{at.Start.Line}: {message}");

        private static bool TryAddress(string text, out string? host, out int port)
        {
            int colon = text.LastIndexOf(':');
            host = colon > 0 ? text[..colon] : null;
            port = 0;
            return host is not null && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536;
        }

        private static bool PortFree(string host, int port)
        {
            if (!IPAddress.TryParse(host == "localhost" ? "127.0.0.1" : host, out IPAddress? address)) return true;
            try
            {
                using var probe = new TcpListener(address, port);
                probe.Start();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }
}
