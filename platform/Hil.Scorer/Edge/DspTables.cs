namespace Hil.Scorer.Edge;

/// <summary>
/// The firmware's DSP constants (firmware/core/dsp_tables.h), computed here the way
/// firmware/tools/gen_dsp_tables.c computes them: in double, rounded once to float. A test checks
/// that every value equals the header's bit for bit.
/// </summary>
public static class DspTables
{
    public const int FftSize = 512;
    public const int FirstBin = 4;
    public const int BinCount = 16;
    public const int RmsHistory = 8;
    /// <summary>Earlier captures before the spike ratio is trusted (DSP_TRUSTED_HISTORY).</summary>
    public const int TrustedHistory = 3;
    private const double Fs = 16000.0;

    /// <summary>cos(2πk/512) for k = 0..128; cos(π/2) is exactly 0.</summary>
    public static readonly float[] CosQuarter = Enumerable.Range(0, FftSize / 4 + 1)
        .Select(k => k == FftSize / 4 ? 0f : (float)Math.Cos(2.0 * Math.PI * k / FftSize)).ToArray();

    /// <summary>High-pass 100 Hz, 2nd-order Butterworth (RBJ, Q = 1/√2): b0, b1, b2, a1, a2.</summary>
    public static readonly float[] HighPass = HighPassCoefficients();

    /// <summary>Low-pass 6 kHz, the Q = 1 biquad of the 3rd-order Butterworth: b0, b1, b2, a1, a2.</summary>
    public static readonly float[] LowPass = LowPassCoefficients();

    /// <summary>Low-pass 6 kHz, the first-order section: b0, b1, a1.</summary>
    public static readonly float[] LowPassFirstOrder = FirstOrderCoefficients();

    private static float[] HighPassCoefficients()
    {
        double w0 = 2.0 * Math.PI * 100.0 / Fs, c = Math.Cos(w0), alpha = Math.Sin(w0) / (2.0 * Math.Sqrt(0.5)), a0 = 1.0 + alpha;
        return [(float)((1.0 + c) / 2.0 / a0), (float)(-(1.0 + c) / a0), (float)((1.0 + c) / 2.0 / a0), (float)(-2.0 * c / a0), (float)((1.0 - alpha) / a0)];
    }

    private static float[] LowPassCoefficients()
    {
        double w0 = 2.0 * Math.PI * 6000.0 / Fs, c = Math.Cos(w0), alpha = Math.Sin(w0) / 2.0, a0 = 1.0 + alpha;
        return [(float)((1.0 - c) / 2.0 / a0), (float)((1.0 - c) / a0), (float)((1.0 - c) / 2.0 / a0), (float)(-2.0 * c / a0), (float)((1.0 - alpha) / a0)];
    }

    private static float[] FirstOrderCoefficients()
    {
        double k = Math.Tan(2.0 * Math.PI * 6000.0 / Fs / 2.0);
        return [(float)(k / (1.0 + k)), (float)(k / (1.0 + k)), (float)((k - 1.0) / (k + 1.0))];
    }
}
