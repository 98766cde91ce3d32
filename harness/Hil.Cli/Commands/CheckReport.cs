namespace Hil.Cli.Commands;

/// <summary>Runs named checks, prints one line each, and ends with "N passed, N failed".</summary>
internal sealed class CheckReport
{
    private int _passed;
    private int _failed;

    public async Task<bool> RunAsync(string name, Func<Task<string>> check)
    {
        try
        {
            string detail = await check();
            _passed++;
            Console.WriteLine($"  ok    {name,-24} {detail}");
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _failed++;
            Console.WriteLine($"  FAIL  {name,-24} {e.Message.Replace("\n", "\n        ")}");
            return false;
        }
    }

    public int Finish()
    {
        Console.WriteLine($"{_passed} passed, {_failed} failed");
        return _failed == 0 && _passed > 0 ? 0 : 1;
    }
}
