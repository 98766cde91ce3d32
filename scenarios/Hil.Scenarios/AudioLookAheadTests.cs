using Hil.Gherkin.Model;
using Hil.Simulators.Audio;
using Hil.Steps.Drivers;
using Hil.Steps.Steps;

namespace Hil.Scenarios;

/// <summary>What the run synthesises ahead is what the audio steps will play: same clips, same order, same seeds.</summary>
public sealed class AudioLookAheadTests
{
    [Test]
    public void The_clips_ahead_are_the_audio_steps_clips_in_order_background_first()
    {
        ScenarioCase scenario = FeatureLoader.Parse("""
            Feature: f
              Background:
                Given a node
                And the node has heard a normal hive 2 times
              Scenario: s
                When the node hears 2 s of a normal hive with rain at 9 dB SNR
                And the node hears 1 s of queen piping
                Then the node flags an event
            """, "f.feature").Single();

        IReadOnlyList<HiveClip> clips = AudioSteps.ClipsAhead(scenario);

        Assert.That(clips, Is.EqualTo(new[]
        {
            new HiveClip(HiveSound.Normal, OutsideNoise.None, 1), new HiveClip(HiveSound.Normal, OutsideNoise.None, 1),
            new HiveClip(HiveSound.Normal, OutsideNoise.Rain, 2, 9), new HiveClip(HiveSound.Piping, OutsideNoise.None, 1),
        }));
        Assert.That(clips.Select((c, i) => c.Options(i).Seed), Is.EqualTo(new[] { 100, 101, 102, 103 }), "the seeds HiveAudio.PlayAsync gives them");
    }
}
