using System.Net;
using System.Net.Sockets;
using Hil.Harness.Support;
using Hil.Harness.Targets.Qemu;

namespace Hil.Harness.Tests.Targets.Qemu;

public sealed class QemuStartFailureTests
{
    [Test]
    public async Task A_QEMU_that_quits_while_starting_is_reported_with_its_own_words()
    {
        // A GDB server on a port another socket holds: QEMU connects its UARTs and QMP, then fails to bind and quits.
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        await using var target = new QemuTarget(new QemuTargetOptions { Name = "qemu-quits", ExtraArguments = ["-gdb", $"tcp:127.0.0.1:{taken}"] });

        var error = await Assert.ThrowsAsync<TargetStartException>(() => target.StartAsync());

        Assert.That(error!.Message, Does.Contain("Address already in use").And.Contain(taken.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            "QEMU's own output names the cause");
        Assert.That(target.State, Is.EqualTo(Hil.Harness.Targets.TargetState.Failed));
    }
}
