using System.CommandLine;
using Lifeboat.Platform;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>Shared plumbing of the platform commands: open the platform, run, close it.</summary>
internal static class PlatformCommand
{
    public static Command With(this Command command, GlobalOptions globals, Func<ParseResult, LifeboatPlatform, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parse, ct) =>
        {
            await using var platform = await globals.OpenPlatformAsync(parse, ct);
            return await action(parse, platform, ct);
        });
        return command;
    }

    public static Command With(this Command command, GlobalOptions globals, IAnsiConsole console, Func<ParseResult, LifeboatPlatform, CancellationToken, Task<string>> action) =>
        command.With(globals, async (parse, platform, ct) =>
        {
            console.MarkupLine(await action(parse, platform, ct));
            return LifeboatCli.Ok;
        });

    public static Argument<string> Arg(string name, string description) => new(name) { Description = description };

    public static string E(object? value) => Markup.Escape(value?.ToString() ?? "");
}
