using Hil.Harness.Support;

namespace Hil.Harness.Targets.PtyRig;

/// <summary>
/// Two real ptys joined by socat (`socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B`): what one
/// side writes, the other reads, as over a serial cable between a board and a USB-UART adapter.
/// </summary>
internal sealed class PtyPair : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(10);
    private readonly ManagedProcess _socat;

    private PtyPair(ManagedProcess socat, string boardSide, string harnessSide)
    {
        _socat = socat;
        BoardSide = boardSide;
        HarnessSide = harnessSide;
    }

    /// <summary>The end the firmware (native process, QEMU) opens.</summary>
    public string BoardSide { get; }

    /// <summary>The end the serial target opens, as it would /dev/serial/by-id/...</summary>
    public string HarnessSide { get; }

    public static async Task<PtyPair> StartAsync(string folder, string name, CancellationToken cancellationToken)
    {
        string board = Path.Combine(folder, name + "-board");
        string harness = Path.Combine(folder, name + "-harness");
        ManagedProcess socat = ManagedProcess.Start(Environment.GetEnvironmentVariable("HIL_SOCAT") ?? "socat",
            ["-d", "-d", $"pty,raw,echo=0,link={board}", $"pty,raw,echo=0,link={harness}"]);
        try
        {
            // socat prints nothing on stdout; its "starting data transfer loop" notice (stderr, -d -d) and the links are the signal.
            await Poll.UntilAsync(_ => Task.FromResult(File.Exists(board) && File.Exists(harness) && socat.OutputTail().Any(l => l.Contains("starting data transfer loop"))),
                ready => ready || socat.HasExited, $"socat's ptys {board} and {harness}", ReadyTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (socat.HasExited) throw new TargetStartException($"socat could not make the pty pair {board} / {harness}. {socat.Evidence()}");
            return new PtyPair(socat, board, harness);
        }
        catch
        {
            await socat.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public string Evidence() => _socat.Evidence();

    public ValueTask DisposeAsync() => _socat.DisposeAsync();
}
