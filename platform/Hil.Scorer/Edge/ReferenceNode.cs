namespace Hil.Scorer.Edge;

/// <summary>What the node's <c>infer</c> prints, reproduced: the bits that must match the firmware's.</summary>
public sealed record EdgeInference(string Label, float PEvent, uint PBits, uint FeaturesHash, uint Frames, float Rms, AudioFeatures Audio, float[] Inputs);

/// <summary>
/// The reference node's audio path as the firmware runs it (firmware/core/app.c): the last sensor
/// reading (temperature and humidity in hundredths, the hour), captures through the DSP with its
/// RMS history, and the network with the event threshold. Feed it what the node was fed, in the
/// same order, and it must print the same numbers. Like the node (app_label), it says "event" only for a
/// capture whose spike ratio is trusted: after a boot it needs <see cref="DspTables.TrustedHistory"/> captures first.
/// </summary>
public sealed class ReferenceNode(BeeModel model, float eventThreshold = 0.5f, float audioGain = 1f)
{
    private readonly ReferenceDsp _dsp = new();
    private readonly BeeNetwork _network = new(model);
    private short _tempCentiC;
    private ushort _humidityCentiPct;
    private byte _hour;
    private AudioFeatures? _lastCapture;

    /// <summary>A sensor frame, quantised the way StimulusFrames.Sensor quantises it.</summary>
    /// <summary>A boot: the node forgets its RMS history (dsp_init), its last capture and its last sensor reading.</summary>
    public void Boot()
    {
        _dsp.Reset();
        _lastCapture = null;
        (_tempCentiC, _humidityCentiPct, _hour) = (0, 0, 0);
    }

    public void Sensor(double temperatureC, double humidityPct, int hour)
    {
        _tempCentiC = checked((short)Math.Round(temperatureC * 100));
        _humidityCentiPct = checked((ushort)Math.Round(humidityPct * 100));
        _hour = checked((byte)hour);
    }

    public EdgeInference Capture(ReadOnlySpan<short> clip)
    {
        _lastCapture = _dsp.Capture(clip, audioGain);
        return Infer();
    }

    public EdgeInference Infer()
    {
        float[] inputs = BeeNetwork.Features(_tempCentiC / 100.0f, _humidityCentiPct / 100.0f, _hour, _lastCapture);
        NetworkResult r = _network.Run(inputs);
        AudioFeatures audio = _lastCapture ?? new AudioFeatures(0, 1, new float[DspTables.BinCount], 0, 0);
        bool isEvent = r.PEvent >= eventThreshold && _lastCapture is { SpikeTrusted: true };
        return new EdgeInference(isEvent ? "event" : "normal", r.PEvent, r.PBits, r.FeaturesHash,
            audio.Frames, audio.Rms, audio, inputs);
    }
}
