using Hil.Simulators.Sensors;

namespace Hil.Scorer.Anomaly;

/// <summary>Held-out ROC AUC of a model: over all labelled readings, per evaluation seed and per fault kind.</summary>
/// <param name="AucWithoutDrift">The AUC with drifting readings left out: slow drift is the one fault a single node
/// cannot tell from weather, and it dominates the overall figure when an evaluation set happens to hold many drifts.</param>
public sealed record AnomalyEvaluation(double Auc, double AucWithoutDrift, IReadOnlyList<(int Seed, double Auc)> PerSeed,
    IReadOnlyList<(SensorFaultKind Kind, double Auc, int Positives)> PerKind, int Positives, int Negatives, int Excluded)
{
    /// <summary>
    /// How a simulated reading counts. Clean: normal. Faulty: anomalous when a value is missing, or when the fault has
    /// moved some value away from the truth by at least <see cref="ObservableFraction"/> of that channel's typical
    /// fault size (2 °C, 5 %RH, 3.75 hPa, 5,000 lux, 10 kΩ). A faulty reading whose values all equal the truth is
    /// normal (a sensor stuck at what it would read anyway, such as no light at night); one the fault has changed only a
    /// little (the first minutes of a drift or of a stuck sensor) is neither: it is left out of the evaluation.
    /// </summary>
    /// <param name="channels">The channels the detector watches (default all): a fault elsewhere is invisible to it, so normal.</param>
    public static bool? Label(SensorReading reading, SensorReading truth, IReadOnlyList<SensorChannel>? channels = null)
    {
        if (!reading.IsFaulty) return false;
        bool changed = false;
        foreach (SensorChannel channel in channels ?? Enum.GetValues<SensorChannel>())
        {
            if (reading[channel] is not { } value) return true;
            if (Math.Abs(value - truth[channel]!.Value) >= ObservableFraction * SensorFault.TypicalMagnitude(channel)) return true;
            changed |= value != truth[channel];
        }
        return changed ? null : false;
    }

    public const double ObservableFraction = 0.25;

    public override string ToString()
    {
        var lines = new List<string>
        {
            $"held-out ROC AUC {Auc:0.000} ({Positives} anomalous, {Negatives} normal readings; {Excluded} faulty readings not yet changed by their fault left out)",
            $"  without drift {AucWithoutDrift:0.000}",
            "  per seed: " + string.Join(", ", PerSeed.Select(s => $"{s.Seed}: {s.Auc:0.000}")),
        };
        lines.AddRange(PerKind.Select(k => $"  {k.Kind,-10} {k.Auc:0.000} ({k.Positives} readings)"));
        return string.Join(Environment.NewLine, lines);
    }
}
