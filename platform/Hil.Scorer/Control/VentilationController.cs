namespace Hil.Scorer.Control;

/// <summary>A flap position (0 closed … 100 fully open) and how sure the controller is of it (0..1).</summary>
public sealed record VentilationDecision(int FlapPercent, double Confidence, string Reason);

/// <summary>
/// Hive ventilation from conditions inside the hive. Bees hold the brood near 34.5 °C and fan when
/// it gets hotter; above ~70 % relative humidity condensation threatens; a loud, agitated colony
/// (volume well above a calm hum) is fanning or overheating. Each need opens the flap; cold closes
/// it whatever else is asked (chilled brood is the worse harm). Confidence falls when needs
/// conflict (cold but damp or agitated) and is zero when an input is implausible.
/// </summary>
public static class VentilationController
{
    private const double OpenFromC = 35, FullyOpenC = 39, ColdBelowC = 30, ClosedBelowC = 25;
    private const double DampFromPct = 70, VeryDampPct = 90;
    private const double LoudFromDbfs = -30, VeryLoudDbfs = -18;

    /// <param name="temperatureC">Inside the hive.</param>
    /// <param name="humidityPct">Relative humidity inside the hive.</param>
    /// <param name="soundRms">RMS of the hive audio, full scale 1 (the node's <c>audio.rms</c>).</param>
    public static VentilationDecision Decide(double temperatureC, double humidityPct, double soundRms)
    {
        string? invalid = !double.IsFinite(temperatureC) || temperatureC is < -40 or > 85 ? $"temperature {temperatureC} °C is implausible"
            : !double.IsFinite(humidityPct) || humidityPct is < 0 or > 100 ? $"humidity {humidityPct} % is implausible"
            : !double.IsFinite(soundRms) || soundRms is < 0 or > 1 ? $"sound RMS {soundRms} is outside 0..1"
            : null;
        if (invalid is not null) return new VentilationDecision(0, 0, invalid + "; flap left closed");

        double heat = Ramp(temperatureC, OpenFromC, FullyOpenC);
        double damp = Ramp(humidityPct, DampFromPct, VeryDampPct);
        double volumeDbfs = 20 * Math.Log10(Math.Max(soundRms, 1e-6));
        double loud = Ramp(volumeDbfs, LoudFromDbfs, VeryLoudDbfs);
        double cold = Ramp(-temperatureC, -ColdBelowC, -ClosedBelowC);

        double demand = Math.Max(heat, Math.Max(0.8 * damp, 0.5 * loud));
        double opening = demand * (1 - cold);
        double conflict = Math.Min(cold, Math.Max(damp, loud));
        double confidence = Math.Round(1 - 0.6 * conflict, 3);
        string reason = demand == 0 ? "conditions calm"
            : heat >= Math.Max(0.8 * damp, 0.5 * loud) ? "hot"
            : 0.8 * damp >= 0.5 * loud ? "damp" : "loud colony";
        if (cold > 0 && demand > 0) reason += ", held back by cold";
        return new VentilationDecision((int)Math.Round(100 * opening), confidence, reason);
    }

    private static double Ramp(double value, double from, double to) => Math.Clamp((value - from) / (to - from), 0, 1);
}
