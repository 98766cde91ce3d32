using Hil.Gherkin.Bindings;
using Hil.Mqtt.Broker;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>The platform the nodes talk to: the embedded broker (and its faults) and devices that are not nodes of the scenario.</summary>
[Binding]
public sealed class PlatformSteps(ScenarioPlatform platform, NodeFleet fleet, PlatformState state)
{
    [Given("the platform is running")]
    [StepExample("Given the platform is running")]
    public Task GivenThePlatformIsRunning() => platform.EnsureStartedAsync();

    [Given("the broker delivers every message twice")]
    [When("the broker delivers every message twice")]
    [StepExample("Given the broker delivers every message twice")]
    public Task GivenTheBrokerDuplicates() => platform.PerturbAsync(_ => DeliveryAction.Duplicate);

    [Given("the broker holds back every other message")]
    [When("the broker holds back every other message")]
    [StepExample("Given the broker holds back every other message")]
    public Task GivenTheBrokerReorders() => platform.PerturbAsync(EveryOther(DeliveryAction.Reorder));

    [Given("the broker delays every message by {int} ms")]
    [When("the broker delays every message by {int} ms")]
    [StepExample("Given the broker delays every message by 50 ms")]
    public Task GivenTheBrokerDelays(int milliseconds) => platform.PerturbAsync(_ => DeliveryAction.Delay(TimeSpan.FromMilliseconds(milliseconds)));

    [When("the broker restarts")]
    [StepExample("When the broker restarts")]
    public async Task WhenTheBrokerRestarts()
    {
        await WhenTheBrokerGoesDown();
        await platform.StartBrokerAsync();
    }

    [When("the broker goes down")]
    [StepExample("When the broker goes down")]
    public async Task WhenTheBrokerGoesDown()
    {
        await platform.StopBrokerAsync();
        // Down means down for the nodes too: their modems have reported the lost session before anything else happens.
        await fleet.WaitForBrokerLossAsync();
    }

    [When("the broker comes back")]
    [StepExample("When the broker comes back")]
    public Task WhenTheBrokerComesBack() => platform.StartBrokerAsync();

    [When("a device publishes telemetry with protocol version {int}")]
    [StepExample("When a device publishes telemetry with protocol version 9")]
    public Task WhenADevicePublishesVersion(int version) =>
        platform.PublishAsDeviceAsync(state.DeviceId, $$"""{"v":{{version}},"node_id":"{{state.DeviceId}}","boot":1,"seq":1,"temperature_c":21.5,"humidity_pct":50}""");

    [When("a device publishes the telemetry payload:")]
    [StepExample("When a device publishes the telemetry payload:\n  \"\"\"\n  {\"v\":2,\"node_id\":\"0badc0ffee00\",\"boot\":1,\"seq\":\"one\"}\n  \"\"\"")]
    public Task WhenADevicePublishesPayload(string payload) => platform.PublishAsDeviceAsync(state.DeviceId, payload);

    private static Func<PendingDelivery, DeliveryAction> EveryOther(DeliveryAction action)
    {
        int count = 0;
        return _ => Interlocked.Increment(ref count) % 2 == 1 ? action : DeliveryAction.Deliver;
    }
}

/// <summary>What the platform steps of a scenario refer back to ("that device", "the command").</summary>
public sealed class PlatformState
{
    /// <summary>The id of the device a scenario publishes as (not one of its nodes): "that device".</summary>
    public string DeviceId { get; } = "0badc0ffee00";
}
