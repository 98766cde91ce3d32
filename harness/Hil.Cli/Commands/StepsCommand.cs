using System.CommandLine;
using Hil.Gherkin.Reports;
using Hil.Harness.Support;
using Hil.Steps;

namespace Hil.Cli.Commands;

/// <summary>`hil steps`: regenerates docs/steps.md, the step catalogue QA writes scenarios from.</summary>
internal static class StepsCommand
{
    public const string Regenerate = "./hil steps";

    public static Command Create()
    {
        var check = new Option<bool>("--check") { Description = "Only check that docs/steps.md is current (exit 1 if not)" };
        var command = new Command("steps", "Write the step catalogue, generated from the step bindings, to docs/steps.md") { check };
        command.SetAction((parse, ct) => CliErrors.GuardAsync(async () =>
        {
            string path = Path.Combine(RepositoryLayout.Root, "docs", "steps.md");
            string markdown = StepDocumentation.Markdown(StepCatalogue.Bindings, Regenerate);
            if (parse.GetValue(check))
            {
                bool current = File.Exists(path) && await File.ReadAllTextAsync(path, ct) == markdown;
                Console.WriteLine(current ? "docs/steps.md is current" : "docs/steps.md is out of date: run ./hil steps");
                return current ? 0 : 1;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, markdown, ct);
            Console.WriteLine($"wrote docs/steps.md ({StepCatalogue.Bindings.Steps.Count} steps)");
            return 0;
        }));
        return command;
    }
}
