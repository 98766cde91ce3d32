using System.Globalization;
using System.Reflection;
using Hil.Backend.Storage;
using Hil.Gherkin.Bindings;
using Hil.Gherkin.Model;
using Hil.Gherkin.Runtime;
using Hil.Simulators.Audio;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>
/// Hive audio into the node (simulator clips as stimulus audio frames), the node's on-device verdict, the
/// backend's stored inference, and the scorer's C# reference on the same clips.
/// </summary>
[Binding]
public sealed class AudioSteps(HiveAudio audio, ScenarioContext scenario)
{
    [Given(@"^the node has heard a normal hive (\d+) times?$")]
    [StepExample("Given the node has heard a normal hive 3 times")]
    public Task GivenTheNodeHasHeardANormalHive(int times) => PlayAsync(nameof(GivenTheNodeHasHeardANormalHive), times);

    [When("the node hears {int} s of a normal hive")]
    [StepExample("When the node hears 2 s of a normal hive")]
    public Task WhenTheNodeHearsANormalHive(int seconds) => PlayAsync(nameof(WhenTheNodeHearsANormalHive), seconds);

    [When("the node hears {int} s of queen piping")]
    [StepExample("When the node hears 2 s of queen piping")]
    public Task WhenTheNodeHearsPiping(int seconds) => PlayAsync(nameof(WhenTheNodeHearsPiping), seconds);

    [When("the node hears {int} s of queen quacking")]
    [StepExample("When the node hears 2 s of queen quacking")]
    public Task WhenTheNodeHearsQuacking(int seconds) => PlayAsync(nameof(WhenTheNodeHearsQuacking), seconds);

    [When("the node hears {int} s of pre-swarm agitation")]
    [StepExample("When the node hears 2 s of pre-swarm agitation")]
    public Task WhenTheNodeHearsPreSwarm(int seconds) => PlayAsync(nameof(WhenTheNodeHearsPreSwarm), seconds);

    [When(@"^the node hears (\d+) s of a normal hive with (rain|wind|voices) at (\d+) dB SNR$")]
    [StepExample("When the node hears 2 s of a normal hive with rain at 15 dB SNR")]
    public Task WhenTheNodeHearsNoise(int seconds, string noise, int snrDb) => PlayAsync(nameof(WhenTheNodeHearsNoise), seconds, noise, snrDb);

    /// <summary>
    /// The clips the step <paramref name="step"/> (a method of this class) plays with <paramref name="arguments"/>, in order;
    /// none for a step that plays nothing. The one place that says what each step plays: the steps play it, and the run
    /// synthesises it ahead (<see cref="HiveAudio.SynthesiseAheadAsync"/>).
    /// </summary>
    public static IReadOnlyList<HiveClip> ClipsOf(string step, IReadOnlyList<object?> arguments) => step switch
    {
        nameof(GivenTheNodeHasHeardANormalHive) => Enumerable.Repeat(new HiveClip(HiveSound.Normal, OutsideNoise.None, 1), (int)arguments[0]!).ToArray(),
        nameof(WhenTheNodeHearsANormalHive) => [new HiveClip(HiveSound.Normal, OutsideNoise.None, (int)arguments[0]!)],
        nameof(WhenTheNodeHearsPiping) => [new HiveClip(HiveSound.Piping, OutsideNoise.None, (int)arguments[0]!)],
        nameof(WhenTheNodeHearsQuacking) => [new HiveClip(HiveSound.Quacking, OutsideNoise.None, (int)arguments[0]!)],
        nameof(WhenTheNodeHearsPreSwarm) => [new HiveClip(HiveSound.PreSwarm, OutsideNoise.None, (int)arguments[0]!)],
        nameof(WhenTheNodeHearsNoise) =>
            [new HiveClip(HiveSound.Normal, Enum.Parse<OutsideNoise>((string)arguments[1]!, ignoreCase: true), (int)arguments[0]!, (int)arguments[2]!)],
        _ => [],
    };

    private static readonly StepMatcher OwnSteps = new(BindingRegistry.FromTypes(typeof(AudioSteps)));

    /// <summary>The clips the audio steps of <paramref name="scenario"/> will play, in order (a step that does not bind plays none).</summary>
    public static IReadOnlyList<HiveClip> ClipsAhead(ScenarioCase scenario) => scenario.Steps.SelectMany(step =>
    {
        if (OwnSteps.FindAll(step.Kind, step.Text) is not [StepMatch match]) return [];
        try
        {
            ParameterInfo[] parameters = match.Definition.Method.GetParameters();
            object?[] arguments = match.Captures.Select((capture, i) => match.Definition.Expression.Convert(i, capture, parameters[i].ParameterType)).ToArray();
            return ClipsOf(match.Definition.Method.Name, arguments);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException or IndexOutOfRangeException)
        {
            return []; // the step itself reports it when it runs
        }
    }).ToArray();

    private async Task PlayAsync(string step, params object?[] arguments)
    {
        foreach (HiveClip clip in ClipsOf(step, arguments)) await audio.PlayAsync(clip);
    }

    [Then("the node flags an event")]
    [StepExample("Then the node flags an event")]
    public void ThenTheNodeFlagsAnEvent() => Check.That(audio.Last.Node.Label == "event",
        () => $"The node did not flag clip {audio.Heard.Count} ({audio.Last.Clip.Label}) as an event: {audio.Last.Node.Json}");

    [Then("the node flags no event")]
    [StepExample("Then the node flags no event")]
    public void ThenTheNodeFlagsNoEvent() => Check.That(audio.Last.Node.Label == "normal",
        () => $"The node flagged clip {audio.Heard.Count} ({audio.Last.Clip.Label}) as an event: {audio.Last.Node.Json}");

    [Then("the network's p_event is at least {float}")]
    [StepExample("Then the network's p_event is at least 0.5")]
    public void ThenTheNetworksPEventIsAtLeast(double least) => Check.That(audio.Last.Node.PEvent >= least,
        () => $"The network gave clip {audio.Heard.Count} ({audio.Last.Clip.Label}) p_event {audio.Last.Node.PEvent}, below {least}: {audio.Last.Node.Json}");

    [Then("the node does not trust the spike ratio yet")]
    [StepExample("Then the node does not trust the spike ratio yet")]
    public void ThenTheSpikeRatioIsNotTrusted() => Check.That(!audio.Last.Node.SpikeTrusted,
        () => $"The node trusted the spike ratio of clip {audio.Heard.Count} with a history of {audio.Last.Node.History} capture(s): {audio.Last.Node.Json}");

    [Then("the node trusts the spike ratio")]
    [StepExample("Then the node trusts the spike ratio")]
    public void ThenTheSpikeRatioIsTrusted() => Check.That(audio.Last.Node.SpikeTrusted,
        () => $"The node did not trust the spike ratio of clip {audio.Heard.Count} (history {audio.Last.Node.History}): {audio.Last.Node.Json}");

    [Then("the backend stores the node's verdict within {int} ms of the end of the clip")]
    [StepExample("Then the backend stores the node's verdict within 2000 ms of the end of the clip")]
    public async Task ThenTheBackendStoresTheVerdictWithin(int budget)
    {
        if (audio.OverEmulatedUart)
            throw new ScenarioSkippedException($"the {budget} ms budget is for audio that reaches the node as fast as it is sent (native, or QEMU through its GDB server); " +
                                               "an emulated UART alone takes seconds to carry a 2 s clip");
        HeardClip heard = audio.Last;
        InferenceRecord row = await audio.StoredAsync(heard);
        double latency = (row.ReceivedAt - heard.EndedAt).TotalMilliseconds;
        scenario.Measure(new Measurement("end of clip to stored inference", "ms", [new Sample(heard.EndedAt, latency)]));
        Check.That(row.Label == heard.Node.Label && row.ModelVersion is > 0,
            () => $"The backend stored label {row.Label} (model {row.Model} v{row.ModelVersion}) for a capture the node called {heard.Node.Label}: {heard.Node.Json}");
        Check.That(latency < budget, () => $"The inference of clip {audio.Heard.Count} ({heard.Clip.Label}) was stored {latency:0} ms after the end of the clip, over {budget} ms.");
    }

    [Then("the scorer's reference agrees with the node")]
    [StepExample("Then the scorer's reference agrees with the node")]
    public async Task ThenTheReferenceAgrees()
    {
        string[] disagreements = audio.Disagreements().ToArray();
        Check.That(disagreements.Length == 0, () => $"The C# reference and the node disagree:\n  {string.Join("\n  ", disagreements)}");
        string? bits = await audio.LastBitsDisagreementAsync();
        Check.That(bits is null, () => bits!);
    }
}
