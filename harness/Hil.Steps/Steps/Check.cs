namespace Hil.Steps.Steps;

/// <summary>The one way a Then step says what it expected and what it saw.</summary>
public sealed class ExpectationFailedException(string message) : Exception(message);

internal static class Check
{
    public static void That(bool condition, Func<string> whatWasSeen)
    {
        if (!condition) throw new ExpectationFailedException(whatWasSeen());
    }
}
