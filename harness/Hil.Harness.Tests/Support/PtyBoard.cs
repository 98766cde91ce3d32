using Hil.Harness.Firmware;
using Hil.Harness.Support;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Serial;

namespace Hil.Harness.Tests.Support;

/// <summary>
/// A "physical board" made of real parts: a native or QEMU node whose three UARTs are ptys, each
/// joined by socat to a pty the serial target opens. Reset is a configured command, as on a lab
/// bench (there `st-flash reset`; here the console's `reboot`, written to the console device).
/// </summary>
public sealed class PtyBoard : IAsyncDisposable
{
    private readonly List<SocatPair> _pairs;
    private readonly ManagedProcess _node;
    private readonly string _folder;

    private PtyBoard(List<SocatPair> pairs, ManagedProcess node, string folder, SerialTarget target)
    {
        _pairs = pairs;
        _node = node;
        _folder = folder;
        Target = target;
    }

    public SerialTarget Target { get; }

    /// <param name="firmware">"native" or "qemu": what runs behind the ptys.</param>
    public static async Task<PtyBoard> CreateAsync(string name, string firmware = "native")
    {
        string folder = Directory.CreateTempSubdirectory($"hil-{name}-").FullName;
        var pairs = new List<SocatPair>();
        foreach (string channel in ChannelNames.Default) pairs.Add(await SocatPair.StartAsync(folder, channel));
        string mac = NodeMac.Next();
        ManagedProcess node = firmware == "qemu"
            ? ManagedProcess.Start(Environment.GetEnvironmentVariable("HIL_QEMU") ?? "qemu-system-arm",
                new[] { "-M", "netduinoplus2", "-display", "none", "-monitor", "none", "-kernel", FirmwareImages.Stm32Elf }
                    .Concat(pairs.SelectMany((p, i) => new[] { "-chardev", $"serial,id=uart{i},path={p.BoardSide}", "-serial", $"chardev:uart{i}" })))
            : ManagedProcess.Start(FirmwareImages.NativeExecutable,
                ["--console", $"path:{pairs[0].BoardSide}", "--link", $"path:{pairs[1].BoardSide}", "--stimulus", $"path:{pairs[2].BoardSide}",
                 "--flash", Path.Combine(folder, "flash.bin"), "--mac", mac], folder);
        var target = new SerialTarget(new SerialTargetOptions
        {
            Name = name,
            Devices = ChannelNames.Default.Zip(pairs, (channel, pair) => (channel, pair.HarnessSide)).ToDictionary(p => p.channel, p => p.HarnessSide),
            Reset = SerialReset.Command,
            ResetCommand = "printf 'reboot\\n' > {device}",
            ResetOnStart = false, // the node boots as the ptys are wired: its banner waits in the pty
        });
        return new PtyBoard(pairs, node, folder, target);
    }

    public async ValueTask DisposeAsync()
    {
        await Target.DisposeAsync();
        await _node.DisposeAsync();
        foreach (SocatPair pair in _pairs) await pair.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
