using Hil.Backend.Storage;
using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>Latency budgets over many samples: stimulus → stored reading per hop, command created → acknowledged.</summary>
[Binding]
public sealed class LatencySteps(NodeFleet fleet, ScenarioPlatform platform, StimulusState stimulus, OperatorCommands commands,
    ScenarioContext scenario, HarnessSettings settings)
{
    [Then("the {int}th percentile latency from sensor sample to stored reading is below {int} ms")]
    [StepExample("Then the 95th percentile latency from sensor sample to stored reading is below 200 ms")]
    public async Task ThenTheReadingLatencyIsBelow(int percentile, int budget)
    {
        IReadOnlyList<LatencySample> samples = await ReadingSamplesAsync();
        Publish(samples); // before the verdict: a budget missed shows its distribution too
        double[] stored = samples.Select(s => s.Stored).ToArray();
        double measured = Measurement.NearestRank(stored, percentile);
        Check.That(measured < budget, () => $"p{percentile} from sensor sample to stored reading is {measured:0.0} ms, over {budget} ms ({LatencySamples.Summary(stored)}).");
    }

    [Then("the latency distribution is shown in the report")]
    [StepExample("Then the latency distribution is shown in the report")]
    public async Task ThenTheDistributionIsReported()
    {
        IReadOnlyList<LatencySample> samples = await ReadingSamplesAsync();
        Check.That(samples.Count > 0, () => "No latency sample was taken: send readings first.");
        Publish(samples);
    }

    [When("an operator moves the node's flap {int} times")]
    [StepExample("When an operator moves the node's flap 50 times")]
    public async Task WhenAnOperatorMovesTheFlapTimes(int times)
    {
        for (int i = 0; i < times; i++)
            await commands.AwaitAcknowledgementAsync(fleet.Node, await commands.GiveAsync(fleet.Node, "set_flap", new { position = i % 101 }), TimeSpan.FromSeconds(5));
    }

    [Then("the {int}th percentile from command created to acknowledged is below {int} ms")]
    [StepExample("Then the 95th percentile from command created to acknowledged is below 1000 ms")]
    public void ThenTheCommandLatencyIsBelow(int percentile, int budget)
    {
        IReadOnlyList<CommandRecord> done = commands.Given.Where(c => c.Status == CommandStatus.Done).ToArray();
        Check.That(done.Count == commands.Given.Count && done.Count > 0, () => $"{done.Count} of {commands.Given.Count} commands were acknowledged as done.");
        double[] trips = done.Select(c => OperatorCommands.RoundTrip(c).TotalMilliseconds).ToArray();
        scenario.Measure(LatencySamples.CommandRoundTrips(done));
        double measured = Measurement.NearestRank(trips, percentile);
        Check.That(measured < budget, () => $"p{percentile} from command created to acknowledged is {measured:0.0} ms, over {budget} ms ({LatencySamples.Summary(trips)}).");
    }

    private void Publish(IReadOnlyList<LatencySample> samples)
    {
        foreach (var measurement in LatencySamples.Measurements(samples)) scenario.Measure(measurement);
    }

    private async Task<IReadOnlyList<LatencySample>> ReadingSamplesAsync()
    {
        FleetNode node = fleet.Node;
        IReadOnlyList<TelemetryRecord> rows = await platform.WaitForReadingsAsync(node.NodeId, node.DistinctReadings.Count, settings.StepTimeout);
        return LatencySamples.Collect(stimulus.Injected, platform, rows);
    }
}
