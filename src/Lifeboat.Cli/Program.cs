using Lifeboat.Cli;
using Spectre.Console;

return await LifeboatCli.RunAsync(args, AnsiConsole.Console);
