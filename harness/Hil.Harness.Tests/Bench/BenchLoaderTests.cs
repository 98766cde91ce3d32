using System.Net;
using System.Net.Sockets;
using Hil.Harness.Bench;
using Hil.Harness.Clocks;
using Hil.Harness.Support;

namespace Hil.Harness.Tests.Bench;

public sealed class BenchLoaderTests
{
    private static string Source => Path.Combine(RepositoryLayout.Root, "ci", "benches", "test.yaml");

    private static IReadOnlyList<string> Problems(string yaml) =>
        Assert.Throws<BenchFileException>(() => BenchLoader.Parse(yaml, Source))!.Problems;

    [Test]
    public void The_example_lab_bench_reads_as_documented()
    {
        Harness.Bench.Bench bench = BenchLoader.Load(Path.Combine(RepositoryLayout.Root, "ci", "benches", "lab.yaml"));

        Assert.That(bench.Name, Is.EqualTo("lab-1"));
        Assert.That(bench.Targets.SelectMany(t => t.InstanceNames), Is.EqualTo(new[] { "board-a", "board-b", "sim-1", "sim-2" }));
        Assert.That(bench.Targets[0].Serial!.Devices["console"], Does.StartWith("/dev/serial/by-id/usb-FTDI"));
        Assert.That(bench.Targets[0].Firmware!.Image, Is.EqualTo(Path.Combine(RepositoryLayout.Root, "build", "firmware", "stm32f4", "hive-node.elf")));
        Assert.That(bench.Targets[2].Clock, Is.EqualTo(ClockMode.Virtual));
        Assert.That(bench.Services.Broker, Is.EqualTo(new BenchService("external", "127.0.0.1", 1883, null)));
        Assert.That(BenchLoader.MissingDevices(bench), Has.Count.EqualTo(4), "no such boards on this machine");
    }

    [Test]
    public void The_pty_rig_bench_is_two_rig_boards_on_virtual_time()
    {
        Harness.Bench.Bench bench = BenchLoader.Load(Path.Combine(RepositoryLayout.Root, "scenarios", "benches", "pty-rig.yaml"));

        Assert.That(bench.Targets.Select(t => (t.Name, t.Backend, t.Rig, t.Clock)), Is.EqualTo(new[]
            { ("native-board", "serial", "native", ClockMode.Virtual), ("qemu-board", "serial", "qemu", ClockMode.Virtual) }));
        Assert.That(BenchLoader.MissingDevices(bench), Is.Empty, "a rig's devices are made by the harness, never 'unplugged'");
    }

    [Test]
    public void A_rig_is_only_for_serial_and_excludes_devices()
    {
        IReadOnlyList<string> problems = Problems("""
            targets:
              - name: a
                backend: native
                rig: native
              - name: b
                backend: serial
                rig: renode
              - name: c
                backend: serial
                rig: qemu
                serial: { console: /dev/ttyUSB0 }
            """);

        Assert.That(problems, Is.EqualTo(new[]
        {
            $"{Source}:4: target 'a': 'rig' is only for backend serial (a board the harness builds behind socat ptys)",
            $"{Source}:7: target 'b': rig is native or qemu (not 'renode')",
            $"{Source}:5: target 'b': a serial target needs a 'serial' section with its devices (or 'rig: native|qemu' for a board the harness builds)",
            $"{Source}:11: target 'c': a rig board's devices are the pty pairs the harness makes; drop 'serial' or 'rig'",
        }));
    }

    [Test]
    public void An_unknown_key_is_reported_with_its_line()
    {
        IReadOnlyList<string> problems = Problems("""
            name: x
            targets:
              - name: a
                backend: native
                baudrate: 9600
            """);

        Assert.That(problems, Is.EqualTo(new[] { $"{Source}:5: unknown key 'baudrate' in target (known: name, backend, count, clock, firmware, serial, renode, rig)" }));
    }

    [Test]
    public void A_missing_firmware_file_is_reported_with_its_resolved_path()
    {
        IReadOnlyList<string> problems = Problems("""
            targets:
              - name: a
                backend: qemu
                firmware:
                  image: nowhere/hive-node.elf
            """);

        string expected = Path.Combine(RepositoryLayout.Root, "ci", "benches", "nowhere", "hive-node.elf");
        Assert.That(problems, Is.EqualTo(new[] { $"{Source}:5: target 'a': firmware file {expected} does not exist (build it with ./hil build?)" }));
    }

    [Test]
    public void Two_targets_on_one_device_are_refused()
    {
        IReadOnlyList<string> problems = Problems("""
            targets:
              - name: a
                backend: serial
                serial: { console: /dev/ttyUSB0 }
              - name: b
                backend: serial
                serial:
                  console: /dev/ttyUSB0
            """);

        Assert.That(problems, Is.EqualTo(new[] { $"{Source}:8: target 'b': /dev/ttyUSB0 is already the device of target 'a' (line 4); two targets cannot share one device" }));
    }

    [Test]
    public void A_service_port_in_use_is_refused_for_services_the_harness_starts()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        IReadOnlyList<string> problems = Problems($"""
            targets: [{"{"} name: a, backend: native {"}"}]
            services:
              broker: {"{"} address: "127.0.0.1:{port}" {"}"}
              backend: {"{"} kind: external, address: "127.0.0.1:{port}" {"}"}
            """);

        Assert.That(problems, Is.EqualTo(new[] { $"{Source}:3: service 'broker': port {port} on 127.0.0.1 is in use (the harness must start it there)" }));
    }

    [Test]
    public void Bad_values_are_each_reported()
    {
        IReadOnlyList<string> problems = Problems("""
            targets:
              - name: a
                backend: toaster
              - name: b
                backend: serial
                serial: { console: /dev/ttyACM0, baud: 12345, reset: command }
            """);

        Assert.That(problems, Has.Count.EqualTo(3));
        Assert.That(problems[0], Does.StartWith($"{Source}:3: target 'a': backend must be one of native, qemu, renode, serial (not 'toaster')"));
        Assert.That(problems[1], Does.StartWith($"{Source}:6: target 'b': Supported baud rates: 9600"));
        Assert.That(problems[2], Is.EqualTo($"{Source}:6: target 'b': reset: command needs a reset_command"));
    }
}
