using Hil.Harness.Clocks;

namespace Hil.Harness.Bench;

/// <summary>
/// What a run needs (DESIGN.md, "Bench"): its targets and the services they talk to. Read from a
/// YAML bench file by <see cref="BenchLoader"/>; <see cref="Default"/> is the embedded default.
/// </summary>
public sealed record Bench(string Name, IReadOnlyList<BenchTarget> Targets, BenchServices Services, string? SourceFile = null)
{
    /// <summary>`hil run` without a bench file: one native node, in-process broker, backend on SQLite, all on loopback.</summary>
    public static Bench Default { get; } = new("default",
        [new BenchTarget("node", "native", 1, ClockMode.Wall, null, null, null, null)],
        new BenchServices(
            new BenchService("embedded", "127.0.0.1", 1883, null),
            new BenchService("embedded", "127.0.0.1", 5080, null),
            new BenchService("embedded", "127.0.0.1", 5090, null),
            new BenchService("sqlite", null, null, "Data Source=hil.db")));
}

/// <param name="Count">How many identical targets (names get -1, -2, ... when more than one).</param>
/// <param name="Rig">Backend serial only: "native" or "qemu" when the board is a node the harness runs behind socat pty pairs (the CI rig); null for a real board.</param>
public sealed record BenchTarget(string Name, string Backend, int Count, ClockMode Clock, BenchFirmware? Firmware,
    BenchSerial? Serial, BenchRenode? Renode, int? Line, string? Rig = null)
{
    /// <summary>Whether the harness can put another firmware image on this target: emulators and the rig run any image, a real board needs a flash_command.</summary>
    public bool CanFlash => Backend != "serial" || Rig is not null || Serial?.FlashCommand is not null;

    /// <summary>The target names this entry stands for.</summary>
    public IEnumerable<string> InstanceNames => Count == 1 ? [Name] : Enumerable.Range(1, Count).Select(i => $"{Name}-{i}");
}

/// <param name="Image">Absolute path of the firmware image (host executable or ELF).</param>
/// <param name="Version">The version the image is expected to report (<c>fw=</c>), when given.</param>
public sealed record BenchFirmware(string Image, string? Version);

/// <param name="Devices">Channel → serial device (console, link, stimulus).</param>
public sealed record BenchSerial(IReadOnlyDictionary<string, string> Devices, int Baud, bool RtsCts, string Reset,
    string? ResetCommand, string? FlashCommand);

/// <param name="Monitor">host:port of a Renode already running, or null to start one.</param>
public sealed record BenchRenode(string? Platform, string? Monitor, TimeSpan? Quantum);

public sealed record BenchServices(BenchService? Broker, BenchService? Backend, BenchService? Scorer, BenchService? Database);

/// <param name="Kind">embedded (the harness runs it), external (already running), sqlite, postgres...</param>
public sealed record BenchService(string Kind, string? Host, int? Port, string? Connection);

/// <summary>A bench file that cannot be used; every problem is one line "file:line: what".</summary>
public sealed class BenchFileException(IReadOnlyList<string> problems)
    : Exception(string.Join("\n", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
