using System.CommandLine;
using Hil.Cli.Commands;

var root = new RootCommand("HIL Harness: boots real firmware on native, QEMU, Renode and serial-board targets and tests it end to end.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(StepsCommand.Create());
root.Subcommands.Add(ConsoleCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(PlatformCommand.Create());
root.Subcommands.Add(BrokerCommand.Create());
root.Subcommands.Add(BoardsCommand.Create());
root.Subcommands.Add(SimCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(MutateCommand.Create());
root.Subcommands.Add(StressCommand.Create());
// Tag expressions start with @, which would otherwise be read as a response file.
var parsing = new ParserConfiguration { ResponseFileTokenReplacer = null };
return await root.Parse(args, parsing).InvokeAsync();
