namespace Hil.Harness.Support;

/// <summary>A target failed to start or to become ready; the message carries the evidence.</summary>
public sealed class TargetStartException(string message, Exception? inner = null) : Exception(message, inner);
