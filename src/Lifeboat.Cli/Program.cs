using Lifeboat.Cli;
using Spectre.Console;

// Piped into a file or another program (or NO_COLOR set): plain text, wide enough for tables.
var plain = Console.IsOutputRedirected || Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 };
var console = plain
    ? AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No })
    : AnsiConsole.Console;
if (plain)
{
    console.Profile.Width = 200;
}

return await LifeboatCli.RunAsync(args, console);
