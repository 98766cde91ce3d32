using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>Network faults on the node's link: Wi-Fi loss, a hung modem. (Broker faults plug in here once the broker lands.)</summary>
[Binding]
public sealed class NetworkSteps(NodeFleet fleet)
{
    [When(@"^Wi-Fi drops for (\d+) (second|minute|hour)s?$")]
    [StepExample("When Wi-Fi drops for 60 seconds")]
    public Task WhenWifiDrops(int amount, string unit) =>
        fleet.Node.WifiOutageAsync(TimeSteps.Duration(amount, unit), fleet.CancellationToken);

    [Given("the modem stops answering")]
    [When("the modem stops answering")]
    [StepExample("Given the modem stops answering")]
    public void GivenTheModemStopsAnswering() => fleet.Node.Modem.Silent = true;

    [When("the modem answers again")]
    [StepExample("When the modem answers again")]
    public void WhenTheModemAnswersAgain() => fleet.Node.Modem.Silent = false;
}
