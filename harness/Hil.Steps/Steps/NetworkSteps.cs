using Hil.Gherkin.Bindings;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>
/// Network faults on the node's link (Wi-Fi loss, a lost broker with Wi-Fi up, a hung modem) and what the node did about
/// them, read from the modem's timeline in the node's device time.
/// </summary>
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

    [When("the broker drops the node's connection")]
    [StepExample("When the broker drops the node's connection")]
    public Task WhenTheBrokerDropsTheNode() => fleet.Node.DropBrokerConnectionAsync(fleet.CancellationToken);

    [Then("the node tried to join Wi-Fi again after {string} seconds")]
    [StepExample("Then the node tried to join Wi-Fi again after \"1, 2, 4, 8\" seconds")]
    // The delays from the loss to the first attempt and between attempts, in device time; the first N are compared.
    public void ThenTheJoinAttemptsWereSpaced(string seconds)
    {
        double[] expected = seconds.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        // From the modem's "WIFI DISCONNECT" (the first failure) to each join attempt, attempt to attempt.
        var lost = fleet.Node.Modem.Timeline.Skip(fleet.Node.LastOutageStart).FirstOrDefault(e => e.Text == "WIFI DISCONNECT");
        Check.That(lost is not null, () => $"The modem did not tell '{fleet.Node.Name}' WIFI DISCONNECT: no outage to measure from.");
        IReadOnlyList<Simulators.Modem.ModemEvent> joins = [lost!, .. fleet.Node.CommandsSince("AT+CWJAP", fleet.Node.LastOutageStart)];
        double[] gaps = Gaps(joins);
        Check.That(gaps.Take(expected.Length).SequenceEqual(expected),
            () => $"'{fleet.Node.Name}' tried to join Wi-Fi again after {string.Join(", ", gaps)} s (device time), not {string.Join(", ", expected)}:\n  " +
                  string.Join("\n  ", joins));
    }

    [Then("the node noticed the lost broker and was back within {int} second(s)")]
    [StepExample("Then the node noticed the lost broker and was back within 3 seconds")]
    public void ThenTheNodeWasBackWithin(int seconds)
    {
        var timeline = fleet.Node.Modem.Timeline;
        var lost = timeline.LastOrDefault(e => e.Text == "+MQTTDISCONNECTED:0");
        var back = timeline.SkipWhile(e => e != lost).FirstOrDefault(e => e.Text.StartsWith("AT+MQTTCONN=", StringComparison.Ordinal));
        Check.That(lost?.DeviceTime is not null && back?.DeviceTime is not null,
            () => $"No broker loss and reconnect with device times on '{fleet.Node.Name}''s timeline:\n  {string.Join("\n  ", timeline.TakeLast(12))}");
        TimeSpan took = back!.DeviceTime!.Value - lost!.DeviceTime!.Value;
        Check.That(took <= TimeSpan.FromSeconds(seconds), () => $"'{fleet.Node.Name}' connected again {took.TotalSeconds:0.###} s (device time) after the broker was lost, over {seconds} s.");
    }

    private static double[] Gaps(IReadOnlyList<Simulators.Modem.ModemEvent> events) =>
        events.Zip(events.Skip(1), (a, b) => Math.Round((b.DeviceTime!.Value - a.DeviceTime!.Value).TotalSeconds, 3)).ToArray();
}
