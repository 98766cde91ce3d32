using System.CommandLine;
using Hil.Cli.Commands;

var root = new RootCommand("HIL Harness: boots real firmware on native, QEMU (and later Renode and serial) targets and tests it end to end.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ConsoleCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(PlatformCommand.Create());
root.Subcommands.Add(BrokerCommand.Create());
return await root.Parse(args).InvokeAsync();
