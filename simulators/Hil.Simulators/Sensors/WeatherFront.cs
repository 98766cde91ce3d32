namespace Hil.Simulators.Sensors;

/// <summary>
/// A passing weather front: pressure falls, it gets cooler, damper and cloudier, then recovers.
/// Its influence is a smooth bump (0 → 1 → 0) from <see cref="Arrival"/> over <see cref="Length"/>.
/// </summary>
internal sealed record WeatherFront(double Arrival, double Length, double Edge, double PressureDropHpa,
    double TemperatureChangeC, double HumidityRisePct)
{
    /// <summary>0 far from the front, about 1 while it passes (times in hours since the start).</summary>
    public double Influence(double hours) =>
        0.25 * (1 + Math.Tanh((hours - Arrival) / Edge)) * (1 - Math.Tanh((hours - Arrival - Length) / Edge));
}
