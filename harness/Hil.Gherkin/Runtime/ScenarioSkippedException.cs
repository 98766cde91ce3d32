namespace Hil.Gherkin.Runtime;

/// <summary>
/// Thrown by a step when the scenario cannot run where it is pointed (a bench with fewer boards
/// than it needs, a board that cannot be flashed with the firmware it asks for). The scenario is
/// reported as skipped with <see cref="Exception.Message"/> as the reason, never as passed.
/// </summary>
public sealed class ScenarioSkippedException(string reason) : Exception(reason);
