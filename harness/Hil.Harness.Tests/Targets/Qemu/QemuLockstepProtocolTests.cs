using System.Net.Sockets;
using Hil.Harness.Channels;
using Hil.Harness.Support;
using Hil.Harness.Targets.Qemu;

namespace Hil.Harness.Tests.Targets.Qemu;

/// <summary>
/// The harness side of lockstep against a plugin that is not the one it was built with (a stale build/qemu-plugin, say):
/// a clear warning naming the fix, and no node held for it. The real plugin is exercised by QemuLockstepTests.
/// </summary>
public sealed class QemuLockstepProtocolTests
{
    [Test]
    public async Task A_plugin_speaking_another_protocol_version_is_reported_with_the_fix()
    {
        string folder = Directory.CreateTempSubdirectory("hil-lockstep-").FullName;
        try
        {
            await using var channel = new TargetChannel("board", "console");
            using var lockstep = new QemuLockstep("board", folder, [channel], TimeProvider.System);
            lockstep.Start();
            using var plugin = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await plugin.ConnectAsync(new UnixDomainSocketEndPoint(lockstep.SocketPath));
            await plugin.SendAsync("hello 1 1\n"u8.ToArray());

            string? fault = await Poll.UntilAsync(_ => Task.FromResult(lockstep.Fault), f => f is not null, "the lockstep fault", TimeSpan.FromSeconds(10));

            Assert.That(fault, Is.EqualTo("the QEMU lockstep plugin of target 'board' greeted with 'hello 1 1' (expected 'hello 5 1': is build/qemu-plugin current? ./hil build)"));
            Assert.That(lockstep.SleepsReported, Is.Zero);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
