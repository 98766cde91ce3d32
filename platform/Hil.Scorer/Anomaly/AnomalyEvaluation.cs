using Hil.Simulators.Sensors;

namespace Hil.Scorer.Anomaly;

/// <summary>Held-out ROC AUC of a model: over all labelled readings, per evaluation seed and per fault kind.</summary>
public sealed record AnomalyEvaluation(double Auc, IReadOnlyList<(int Seed, double Auc)> PerSeed,
    IReadOnlyList<(SensorFaultKind Kind, double Auc, int Positives)> PerKind, int Positives, int Negatives, int Excluded)
{
    /// <summary>
    /// How a simulated reading counts. Clean: normal. Faulty: anomalous when a value is missing, or when the fault has
    /// moved some value away from the truth by at least <see cref="ObservableFraction"/> of that channel's typical
    /// fault size (2 °C, 5 %RH, 3.75 hPa, 5,000 lux, 10 kΩ). A faulty reading the fault has not yet visibly changed
    /// (the first minutes of a drift or of a stuck sensor, a sensor stuck at the value it would read anyway, such as
    /// no light at night) is neither: it is left out of the evaluation rather than called normal or anomalous.
    /// </summary>
    public static bool? Label(SensorReading reading, SensorReading truth)
    {
        if (!reading.IsFaulty) return false;
        foreach (SensorChannel channel in Enum.GetValues<SensorChannel>())
        {
            if (reading[channel] is not { } value) return true;
            if (Math.Abs(value - truth[channel]!.Value) >= ObservableFraction * SensorFault.TypicalMagnitude(channel)) return true;
        }
        return null;
    }

    public const double ObservableFraction = 0.25;

    public override string ToString()
    {
        var lines = new List<string>
        {
            $"held-out ROC AUC {Auc:0.000} ({Positives} anomalous, {Negatives} normal readings; {Excluded} faulty readings not yet changed by their fault left out)",
            "  per seed: " + string.Join(", ", PerSeed.Select(s => $"{s.Seed}: {s.Auc:0.000}")),
        };
        lines.AddRange(PerKind.Select(k => $"  {k.Kind,-10} {k.Auc:0.000} ({k.Positives} readings)"));
        return string.Join(Environment.NewLine, lines);
    }
}
