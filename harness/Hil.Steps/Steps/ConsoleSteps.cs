using Hil.Gherkin.Bindings;
using Hil.Harness.Node;
using Hil.Steps.Drivers;

namespace Hil.Steps.Steps;

/// <summary>The node's console: typing commands, reading replies, watching for lines.</summary>
[Binding]
public sealed class ConsoleSteps(NodeFleet fleet)
{
    private FleetNode Node => fleet.Node;

    [When("{string} is typed on the console")]
    [StepExample("When \"version\" is typed on the console")]
    public Task WhenTyped(string command) => Node.ExecuteAsync(command, fleet.CancellationToken);

    [When("this line is typed on the console:")]
    [StepExample("When this line is typed on the console:\n  \"\"\"\n  config set wifi_ssid \"hive net\"\n  \"\"\"")]
    public Task WhenThisLineIsTyped(string line) => Node.ExecuteAsync(line.Trim(), fleet.CancellationToken);

    [When("a line of {int} characters is typed on the console")]
    [StepExample("When a line of 300 characters is typed on the console")]
    public Task WhenALongLineIsTyped(int length) => Node.ExecuteAsync(new string('x', length), fleet.CancellationToken);

    [Then("the console answers {string}")]
    [StepExample("Then the console answers \"fw=3.0.0 protocol=3 board=native\"")]
    public void ThenTheConsoleAnswers(string text) =>
        Check.That(Reply.Lines.Any(l => l.Contains(text, StringComparison.Ordinal)),
            () => $"No line of the reply to '{Reply.Command}' contains \"{text}\"; the reply was:\n  {string.Join("\n  ", Reply.Lines)}");

    [Then("the console answers exactly {string}")]
    [StepExample("Then the console answers exactly \"interval_s=5\"")]
    public void ThenTheConsoleAnswersExactly(string line) =>
        Check.That(Reply.Lines.Any(l => l == line),
            () => $"'{Node.Name}' answered '{Reply.Command}' with {string.Join(" | ", Reply.Lines)}, no line of it exactly \"{line}\".");

    [Then("the console answers with an error containing {string}")]
    [StepExample("Then the console answers with an error containing \"unknown command\"")]
    public void ThenTheConsoleAnswersWithAnError(string text) =>
        Check.That(Reply.Error?.Contains(text, StringComparison.Ordinal) == true,
            () => $"The reply to '{Reply.Command}' is not an error containing \"{text}\": {Reply.Text}");

    [Then("the console answers these values:")]
    [StepExample("Then the console answers these values:\n  | key      | value |\n  | protocol | 3     |")]
    public void ThenTheConsoleAnswersValues(Table values)
    {
        foreach (TableRow row in values.Rows)
        {
            string key = row["key"], expected = row["value"];
            Check.That(Reply.Values.TryGetValue(key, out string? actual) && actual == expected,
                () => $"The reply to '{Reply.Command}' has {key}={(Reply.Values.TryGetValue(key, out string? a) ? a : "(missing)")}, expected {expected}:\n  {Reply.Text}");
        }
    }

    [Then("the console shows {string} within {int} second(s)")]
    [StepExample("Then the console shows \"[net] mqtt connected\" within 30 seconds")]
    public async Task ThenTheConsoleShowsWithin(string text, int seconds)
    {
        // Lines the node printed earlier in the scenario count too: "shows" means "has shown, or shows".
        // Each check after a device-time tick reads only the lines that came in since the one before.
        long checkedLines = 0;
        bool Shown()
        {
            IReadOnlyList<string> lines = Node.Console.Channel.LinesSince(checkedLines);
            checkedLines += lines.Count;
            return lines.Any(l => l.Contains(text, StringComparison.Ordinal));
        }
        await Node.AdvanceUntilAsync(Shown, $"a console line containing \"{text}\"", TimeSpan.FromSeconds(seconds), fleet.CancellationToken);
    }

    [Then("the console shows a line matching {string} within {int} second(s)")]
    [StepExample("Then the console shows a line matching \"^\\[audio\\] capture frames=\\d+\" within 5 seconds")]
    public async Task ThenTheConsoleShowsMatching(string pattern, int seconds)
    {
        var regex = new System.Text.RegularExpressions.Regex(pattern);
        long mark = 0;
        await Node.AdvanceUntilAsync(() => Node.Console.Channel.LinesSince(mark).Any(regex.IsMatch),
            $"a console line matching /{pattern}/", TimeSpan.FromSeconds(seconds), fleet.CancellationToken);
    }

    [Then("the console shows no line containing {string} for {int} second(s)")]
    [StepExample("Then the console shows no line containing \"ERR\" for 60 seconds")]
    public async Task ThenTheConsoleShowsNoLine(string text, int seconds)
    {
        long mark = Node.Console.Channel.LineCount;
        await Node.AdvanceAsync(TimeSpan.FromSeconds(seconds), fleet.CancellationToken);
        string? seen = Node.Console.Channel.LinesSince(mark).FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
        Check.That(seen is null, () => $"Node '{Node.Name}' printed \"{seen}\" on its console within {seconds} s of device time.");
    }

    private ConsoleReply Reply => Node.LastReply
        ?? throw new InvalidOperationException("No command has been typed on the console yet in this scenario.");
}
