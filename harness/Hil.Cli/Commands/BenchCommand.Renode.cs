using System.Diagnostics;
using Hil.Cli.Benchmarks;
using Hil.Harness.Clocks;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Harness.Targets.Renode;

namespace Hil.Cli.Commands;

/// <summary>`hil bench boot --targets renode`: the ways a Renode node gets to its prompt, each on virtual time as `hil run` uses it.</summary>
internal static partial class BenchCommand
{
    /// <summary>A cold start pays for Renode's own start (seconds): measured a few times, not --runs times.</summary>
    private const int ColdStarts = 3;

    private static async Task<IReadOnlyList<BenchmarkRow>> RenodeBootRowsAsync(int runs, CancellationToken cancellationToken)
    {
        if (RenodeHostOptions.Unavailable() is string reason) throw new FileNotFoundException($"--targets renode: {reason}.");
        var rows = new List<BenchmarkRow>();

        var cold = new List<double>();
        for (int i = 0; i < ColdStarts; i++)
        {
            var clock = Stopwatch.StartNew();
            await using RenodeHost host = await RenodeHost.StartAsync(new RenodeHostOptions(), cancellationToken);
            await using (RenodeTarget target = RenodeNode(host, "cold", fromSnapshot: false))
                await PromptAsync(target, cancellationToken);
            cold.Add(clock.Elapsed.TotalMilliseconds);
            Progress("renode cold start", i + 1, ColdStarts);
        }
        rows.Add(new BenchmarkRow("renode: Renode started, platform and ELF loaded, booted", ColdStarts, Statistics.Of(cold), null));

        await using RenodeHost shared = await RenodeHost.StartAsync(new RenodeHostOptions(), cancellationToken);
        rows.Add(new BenchmarkRow("renode: new machine (platform and ELF loaded), booted", runs,
            Statistics.Of(await TimesAsync(runs, "renode new machine", () => RenodeNode(shared, "fresh", fromSnapshot: false), cancellationToken)), null));

        await using (RenodeTarget first = RenodeNode(shared, "saved", fromSnapshot: true))
            await PromptAsync(first, cancellationToken); // saves the snapshot the next ones load
        rows.Add(new BenchmarkRow("renode: snapshot Load (a node saved at its ready line), ready", runs,
            Statistics.Of(await TimesAsync(runs, "renode snapshot", () => RenodeNode(shared, "loaded", fromSnapshot: true), cancellationToken)), 300));
        if (shared.SnapshotLoads < runs) throw new InvalidOperationException($"Only {shared.SnapshotLoads} of {runs} nodes came from the snapshot.");

        await using (RenodeTarget node = RenodeNode(shared, "reset", fromSnapshot: true))
        {
            await PromptAsync(node, cancellationToken);
            var console = new NodeConsole(node.GetChannel(ChannelNames.Console));
            var resets = new List<double>();
            for (int i = 0; i < runs; i++)
            {
                var clock = Stopwatch.StartNew();
                await node.ResetAsync(cancellationToken);
                await console.WaitForPromptAsync(TimeSpan.FromSeconds(30), cancellationToken);
                resets.Add(clock.Elapsed.TotalMilliseconds);
                Progress("renode machine Reset", i + 1, runs);
            }
            rows.Add(new BenchmarkRow("renode: machine Reset, booted", runs, Statistics.Of(resets), null));
        }
        return rows;
    }

    // One identity for every node: a booted snapshot is of one image and one identity (the MAC is read at boot).
    private static RenodeTarget RenodeNode(RenodeHost host, string name, bool fromSnapshot) =>
        new(new RenodeTargetOptions { Name = $"bench-{name}", Host = host, ClockMode = ClockMode.Virtual, StartFromSnapshot = fromSnapshot, Mac = "02:00:00:00:be:01" });

    private static async Task<List<double>> TimesAsync(int runs, string what, Func<RenodeTarget> create, CancellationToken cancellationToken)
    {
        var samples = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            await using RenodeTarget target = create();
            var clock = Stopwatch.StartNew();
            await PromptAsync(target, cancellationToken);
            samples.Add(clock.Elapsed.TotalMilliseconds);
            Progress(what, i + 1, runs);
        }
        return samples;
    }

    private static async Task PromptAsync(ITarget target, CancellationToken cancellationToken)
    {
        await target.StartAsync(cancellationToken);
        await new NodeConsole(target.GetChannel(ChannelNames.Console)).WaitForPromptAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    private static void Progress(string what, int done, int of)
    {
        if (!Console.IsErrorRedirected) Console.Error.Write($"\rhil: {what}: {done}/{of}   ");
        if (done == of) Console.Error.WriteLine(Console.IsErrorRedirected ? $"hil: {what}: {of}" : "");
    }
}
