namespace Hil.Harness.Clocks;

/// <summary>
/// A clock that can tell, for output arriving from the node now, the device time at which the node produced it: what a
/// device model (the modem) stamps its timeline with, so a scenario can assert spacing in the node's own time.
/// </summary>
public interface IDeviceTimeSource
{
    /// <summary>The device time of what is arriving now; null when this clock cannot tell it exactly.</summary>
    ValueTask<TimeSpan?> TimeOfOutputAsync();

    /// <summary>
    /// The device time at which the node takes in what the harness has just written to it (a notice from the modem);
    /// null when this clock cannot tell it exactly.
    /// </summary>
    ValueTask<TimeSpan?> TimeOfInputAsync();
}
