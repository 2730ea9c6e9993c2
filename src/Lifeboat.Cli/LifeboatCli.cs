using System.CommandLine;
using Lifeboat.Cli.Commands;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Storage;
using Spectre.Console;

namespace Lifeboat.Cli;

/// <summary>The `lifeboat` command: builds the command tree and turns errors into messages and exit codes.</summary>
public static class LifeboatCli
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
    public const int ProblemsFound = 3;

    /// <summary>The principal may not do this (or is not known here): the message names the permission and who lacks it.</summary>
    public const int Refused = 4;

    /// <summary>The command tree, every command declaring the permission it needs.</summary>
    internal static RootCommand Build(GlobalOptions globals, IAnsiConsole console)
    {
        var root = new RootCommand("Lifeboat keeps every tenant recoverable, and runs the incident when something still goes wrong.");
        globals.AddTo(root);
        root.Add(DbCommands.Create(globals, console));
        root.Add(StoreCommands.Create(globals, console));
        root.Add(DrillCommand.Create(globals, console));
        root.Add(PlanCommands.Create(globals, console));
        root.Add(PolicyCommands.Create(globals, console));
        foreach (var command in RestoreCommands.Create(globals, console))
        {
            root.Add(command);
        }

        foreach (var command in PlanCommands.Watching(globals, console))
        {
            root.Add(command);
        }

        root.Add(BreakerCommands.Create(globals, console));
        root.Add(IncidentCommands.Create(globals, console));
        root.Add(UpdateCommands.TemplateCommand(globals, console));
        root.Add(RetrospectiveCommands.Create(globals, console));
        root.Add(SupportCommands.Create(globals, console));
        root.Add(BackupCommands.Create(globals, console));
        foreach (var command in PlatformCommands.Create(globals, console))
        {
            root.Add(command);
        }
        root.Add(AccountCommands.Create(globals, console));
        root.Add(SampleCommands.Create(globals, console));
        foreach (var command in IdentityCommands.Create(globals, console))
        {
            root.Add(command);
        }

        return root;
    }

    public static Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken = default) =>
        RunAsync(args, console, CliEnvironment.Process, cancellationToken);

    internal static async Task<int> RunAsync(string[] args, IAnsiConsole console, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        var globals = new GlobalOptions(environment);
        var root = Build(globals, console);
        // '@123' is a recovery point, not a response file.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count == 0 && globals.ObsoleteActor(parse) is { } actor)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(actor)} Nothing was done.");
            return BadInput;
        }

        if (parse.Errors.Count == 0 && globals.ObsoletePolicy(parse) is { } obsolete)
        {
            console.MarkupLine($"{(obsolete.Refused ? "[red]error:[/]" : "[yellow]note:[/]")} {Markup.Escape(obsolete.Message)}{(obsolete.Refused ? " Nothing was done." : "")}");
            if (obsolete.Refused)
            {
                return BadInput;
            }
        }

        try
        {
            var exit = await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Profile.Out.Writer,
                Error = console.Profile.Out.Writer,
                EnableDefaultExceptionHandler = false,
                // Ctrl-C cancels the command's token; a drill then stops its load and writes a partial report.
                ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
            }, cancellationToken);
            return parse.Errors.Count > 0 ? BadInput : exit;
        }
        catch (Lifeboat.Platform.Plans.PlanRefusedException e)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            PlanCommands.WriteProblems(console, e);
            return BadInput;
        }
        catch (AccessDeniedException e)
        {
            console.MarkupLine($"[red]refused:[/] {Markup.Escape(e.Message)} Nothing was done.");
            return Refused;
        }
        catch (Exception e) when (e is StoreException or PlatformException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return BadInput;
        }
        catch (Lifeboat.Platform.Backups.RestoreCancelledException e)
        {
            // What the stopped restore left, and whether running it again is safe.
            console.MarkupLine($"[yellow]cancelled:[/] {Markup.Escape(e.Message)}");
            return Failed;
        }
        catch (OperationCanceledException)
        {
            console.MarkupLine("[yellow]cancelled[/]");
            return Failed;
        }
    }
}
