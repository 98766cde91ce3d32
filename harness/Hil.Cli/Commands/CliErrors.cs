using Hil.Harness.Support;

namespace Hil.Cli.Commands;

/// <summary>Turns the errors a user can act on into a clear message and exit code 1, never a stack trace.</summary>
internal static class CliErrors
{
    public static async Task<int> GuardAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is TargetStartException or FileNotFoundException or TimeoutException
                                      or IOException or InvalidOperationException or ArgumentException or FormatException
                                      or Hil.Backend.Storage.StoreUnavailableException)
        {
            Console.Error.WriteLine($"hil: error: {e.Message}");
            return 1;
        }
        catch (Hil.Harness.Bench.BenchFileException e)
        {
            foreach (string problem in e.Problems) Console.Error.WriteLine($"hil: error: {problem}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("hil: cancelled");
            return 130;
        }
    }
}
