using Hil.Gherkin.Bindings;
using Hil.Harness.Node;
using Hil.Harness.Targets;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>Sensor readings into the node through its stimulus channel (the HIL replacement for its I2C sensor).</summary>
[Binding]
public sealed class StimulusSteps(NodeFleet fleet, StimulusState state)
{
    [Given("the hive temperature is {float} °C and the humidity {float} %")]
    [When("the hive temperature is {float} °C and the humidity {float} %")]
    [StepExample("Given the hive temperature is 24.5 °C and the humidity 58 %")]
    public async Task GivenTheHiveConditions(double temperature, double humidity)
    {
        state.Temperature = temperature;
        state.Humidity = humidity;
        await Send(fleet.Node, StimulusFrames.Sensor(temperature, humidity));
    }

    [When("the node sends {int} reading(s)")]
    [StepExample("When the node sends 10 readings")]
    public async Task WhenTheNodeSendsReadings(int count)
    {
        FleetNode node = fleet.Node;
        int before = node.ReadingCount;
        for (int i = 0; i < count; i++)
        {
            state.Injected.Add(new StimulusInjection(node, before + i, TimeProvider.System.GetUtcNow()));
            await Send(node, StimulusFrames.Sensor(state.Temperature, state.Humidity, publishNow: true));
            await node.AdvanceUntilAsync(() => node.ReadingCount >= before + i + 1,
                $"reading {i + 1} of {count} on {node.TelemetryTopic}", TimeSpan.FromSeconds(30), fleet.CancellationToken);
        }
    }

    [When("a corrupted stimulus frame arrives")]
    [StepExample("When a corrupted stimulus frame arrives")]
    public async Task WhenACorruptedFrameArrives()
    {
        byte[] frame = StimulusFrames.Sensor(state.Temperature, state.Humidity);
        frame[^1] ^= 0xFF; // the CRC no longer matches
        await Send(fleet.Node, frame);
    }

    [When("a sensor frame of the wrong length arrives")]
    [StepExample("When a sensor frame of the wrong length arrives")]
    public Task WhenAFrameOfTheWrongLengthArrives() =>
        Send(fleet.Node, StimulusFrames.Frame(StimulusFrames.SensorType, [1, 2, 3])); // a sensor payload is 9 bytes

    // A short step of device time: on native the node consumes every byte sent before its clock moves.
    private async Task Send(FleetNode node, byte[] frame)
    {
        await node.Target.GetChannel(ChannelNames.Stimulus).WriteAsync(frame, fleet.CancellationToken);
        await node.AdvanceAsync(TimeSpan.FromMilliseconds(10), fleet.CancellationToken);
    }
}

/// <summary>The conditions the scenario set (scenario-scoped): what the next readings carry.</summary>
public sealed class StimulusState
{
    public double Temperature { get; set; } = 21.0;
    public double Humidity { get; set; } = 50.0;

    /// <summary>When each reading's stimulus went in (wall time), the first hop of its latency.</summary>
    public List<StimulusInjection> Injected { get; } = new();
}

/// <summary>The stimulus for the node's <paramref name="ReadingIndex"/>-th telemetry message went in at <paramref name="At"/>.</summary>
public sealed record StimulusInjection(FleetNode Node, int ReadingIndex, DateTimeOffset At);
