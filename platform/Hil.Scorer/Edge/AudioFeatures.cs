namespace Hil.Scorer.Edge;

/// <summary>
/// What the firmware's dsp_capture_end reports for one capture (firmware/core/dsp.h). <paramref name="History"/>
/// counts the earlier captures the spike ratio compares with; below <see cref="DspTables.TrustedHistory"/> the
/// ratio is not trusted (right after a boot it compares with a capture or two, which may be the event itself).
/// </summary>
public sealed record AudioFeatures(float Rms, float SpikeRatio, float[] Bins, uint Frames, uint Samples, int History = 0)
{
    public bool SpikeTrusted => History >= DspTables.TrustedHistory;
}
