namespace Hil.Scorer.Edge;

/// <summary>What the firmware's dsp_capture_end reports for one capture (firmware/core/dsp.h).</summary>
public sealed record AudioFeatures(float Rms, float SpikeRatio, float[] Bins, uint Frames, uint Samples);
