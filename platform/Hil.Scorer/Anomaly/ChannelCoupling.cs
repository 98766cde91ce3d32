using MathNet.Numerics.LinearAlgebra;

namespace Hil.Scorer.Anomaly;

/// <summary>
/// How one per-channel feature (the rate of change mean_15m − mean_1h, or the level mean_15m − mean_24h or
/// mean_15m − mean_6h) moves together across channels, learnt from training rows: weather moves the channels jointly (warmer air is drier), a drifting
/// sensor moves alone. Per channel a least-squares fit of its value on the other channels' values; a row's feature is
/// the largest residual in units of that channel's residual spread in training.
/// </summary>
public sealed class ChannelCoupling
{
    public const int RateSlot = EnvironmentFeatures.RateSlot, LevelSlot = EnvironmentFeatures.LevelSlot, SpellSlot = EnvironmentFeatures.SpellSlot;

    private ChannelCoupling(int slot, double[][] weights, double[] spread) => (Slot, Weights, Spread) = (slot, weights, spread);

    /// <summary>Which per-channel feature: <see cref="RateSlot"/>, <see cref="LevelSlot"/> or <see cref="SpellSlot"/>.</summary>
    public int Slot { get; }

    /// <summary>Per channel, the weights of the other channels' rates (in channel order, itself left out).</summary>
    public double[][] Weights { get; }
    public double[] Spread { get; }

    public static ChannelCoupling Fit(IReadOnlyList<double[]> rows, int channels, int slot)
    {
        var weights = new double[channels][];
        var spread = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            if (channels == 1) { weights[c] = []; spread[c] = 1; continue; }
            int[] others = Enumerable.Range(0, channels).Where(j => j != c).ToArray();
            var x = Matrix<double>.Build.Dense(rows.Count, others.Length, (i, k) => Value(rows[i], others[k], slot));
            var y = Vector<double>.Build.Dense(rows.Count, i => Value(rows[i], c, slot));
            // A touch of ridge keeps the fit defined when a channel never moves (a constant column).
            var gram = x.TransposeThisAndMultiply(x) + Matrix<double>.Build.DenseIdentity(others.Length) * 1e-9 * rows.Count;
            Vector<double> w = gram.Solve(x.TransposeThisAndMultiply(y));
            Vector<double> residual = y - x * w;
            weights[c] = w.ToArray();
            spread[c] = Math.Max(Math.Sqrt(residual.DotProduct(residual) / rows.Count), 1e-9);
        }
        return new ChannelCoupling(slot, weights, spread);
    }

    public static ChannelCoupling From(int slot, double[][] weights, double[] spread)
    {
        if (weights.Length != spread.Length || weights.Any(w => w.Length != weights.Length - 1) || spread.Any(s => !(s > 0)))
            throw new FormatException("channel coupling: one weight row of (channels − 1) and one positive spread per channel");
        if (slot is not (RateSlot or LevelSlot or SpellSlot)) throw new FormatException($"channel coupling of feature slot {slot}: only {RateSlot} (rate), {LevelSlot} (level against 24 h) and {SpellSlot} (against 6 h) are coupled");
        return new ChannelCoupling(slot, weights, spread);
    }

    public double Residual(ReadOnlySpan<double> row)
    {
        int channels = Spread.Length;
        double largest = 0;
        for (int c = 0; c < channels; c++)
        {
            double predicted = 0;
            for (int j = 0, k = 0; j < channels; j++)
                if (j != c) predicted += Weights[c][k++] * Value(row, j, Slot);
            largest = Math.Max(largest, Math.Abs(Value(row, c, Slot) - predicted) / Spread[c]);
        }
        return largest;
    }

    private static double Value(ReadOnlySpan<double> row, int channel, int slot) => row[EnvironmentFeatures.PerChannel * channel + slot];
}
