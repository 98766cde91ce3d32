using Hil.Harness.Support;

namespace Hil.Harness.Tests.Support;

/// <summary>
/// Two real ptys joined by socat (`socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`): what
/// one side writes, the other reads, as over a serial cable. Killing it makes both devices vanish,
/// as when a USB-UART is unplugged.
/// </summary>
public sealed class SocatPair : IAsyncDisposable
{
    private readonly ManagedProcess _socat;

    private SocatPair(ManagedProcess socat, string boardSide, string harnessSide)
    {
        _socat = socat;
        BoardSide = boardSide;
        HarnessSide = harnessSide;
    }

    /// <summary>The end the firmware (native node, QEMU) uses.</summary>
    public string BoardSide { get; }

    /// <summary>The end the serial target opens, as it would /dev/ttyUSB0.</summary>
    public string HarnessSide { get; }

    public static async Task<SocatPair> StartAsync(string folder, string name)
    {
        string board = Path.Combine(folder, name + "-board");
        string harness = Path.Combine(folder, name + "-harness");
        ManagedProcess socat = ManagedProcess.Start("socat",
            ["-d", "-d", $"pty,raw,echo=0,link={board}", $"pty,raw,echo=0,link={harness}"]);
        try
        {
            // socat says nothing on stdout when ready; the links appearing is the signal.
            await Poll.UntilAsync(_ => Task.FromResult(File.Exists(board) && File.Exists(harness) && socat.OutputTail().Any(l => l.Contains("starting data transfer loop"))),
                ready => ready || socat.HasExited, $"socat's ptys {board} and {harness}", TimeSpan.FromSeconds(10));
            if (socat.HasExited) throw new InvalidOperationException("socat failed: " + socat.Evidence());
            return new SocatPair(socat, board, harness);
        }
        catch
        {
            await socat.DisposeAsync();
            throw;
        }
    }

    /// <summary>Unplugs the "cable": the ptys close and their device links go, as udev removes /dev/ttyUSB0.</summary>
    public async Task UnplugAsync()
    {
        await _socat.DisposeAsync(); // killed: socat leaves its links behind, so they are removed here
        File.Delete(BoardSide);
        File.Delete(HarnessSide);
    }

    public ValueTask DisposeAsync() => _socat.DisposeAsync();
}
