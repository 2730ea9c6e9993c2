using System.CommandLine;
using System.Runtime.CompilerServices;
using Lifeboat.Cli.Identity;
using Lifeboat.Platform;
using Lifeboat.Platform.Backups;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Shared plumbing of the commands: each declares the permission it needs; its action runs only for
/// a principal holding it (<see cref="CliSession"/>), on the database, or, in remote mode, through the
/// server when the command has an HTTP endpoint.
/// </summary>
internal static class PlatformCommand
{
    private static readonly ConditionalWeakTable<Command, string> Declared = new();

    /// <summary>The permission a command declared, or why it needs none; null when it declared nothing (a test refuses that).</summary>
    public static string? DeclaredBy(Command command) => Declared.TryGetValue(command, out var permission) ? permission : null;

    /// <summary>Commands that need no permission say why: they work on no environment's data, or before one can say who acts.</summary>
    public static Command NeedsNoPermission(this Command command, string why)
    {
        Declared.AddOrUpdate(command, "none: " + why);
        return command;
    }

    public static Command With(this Command command, GlobalOptions globals, string permission, Func<ParseResult, LifeboatPlatform, CancellationToken, Task<int>> action,
        Func<ParseResult, RemoteTarget, CancellationToken, Task<int>>? remote = null) =>
        command.WithSession(globals, permission, (parse, session, ct) => action(parse, session.Platform, ct), remote);

    public static Command With(this Command command, GlobalOptions globals, string permission, IAnsiConsole console,
        Func<ParseResult, LifeboatPlatform, CancellationToken, Task<string>> action, Func<ParseResult, RemoteTarget, CancellationToken, Task<string>>? remote = null) =>
        command.With(globals, permission, async (parse, platform, ct) =>
        {
            console.MarkupLine(await action(parse, platform, ct));
            return LifeboatCli.Ok;
        }, remote is null ? null : async (parse, target, ct) =>
        {
            console.MarkupLine(await remote(parse, target, ct));
            return LifeboatCli.Ok;
        });

    /// <summary>The action gets the session: the platform and the store acting as the principal, and the principal itself.</summary>
    public static Command WithSession(this Command command, GlobalOptions globals, string permission, Func<ParseResult, CliSession, CancellationToken, Task<int>> action,
        Func<ParseResult, RemoteTarget, CancellationToken, Task<int>>? remote = null, Func<ParseResult, BackupOptions>? backups = null)
    {
        Declared.AddOrUpdate(command, permission);
        command.SetAction(async (parse, ct) =>
        {
            if (globals.RemoteOf(parse) is { } target)
            {
                return remote is null ? throw OnlyOnTheDatabase(command, target) : await remote(parse, target, ct);
            }

            await using var session = await CliSession.OpenAsync(globals, parse, permission, backups?.Invoke(parse), ct);
            return await action(parse, session, ct);
        });
        return command;
    }

    /// <summary>For a command that manages its own action: declares its permission, and opens a session held to it (refused in remote mode).</summary>
    public static async Task<CliSession> OpenSessionAsync(this Command command, GlobalOptions globals, ParseResult parse, string permission, CancellationToken ct,
        BackupOptions? backups = null)
    {
        Declared.AddOrUpdate(command, permission);
        return globals.RemoteOf(parse) is { } target
            ? throw OnlyOnTheDatabase(command, target)
            : await CliSession.OpenAsync(globals, parse, permission, backups, ct);
    }

    /// <summary>Declares the permission of a command whose action opens its session itself (<see cref="OpenSessionAsync"/>).</summary>
    public static Command Needs(this Command command, string permission)
    {
        Declared.AddOrUpdate(command, permission);
        return command;
    }

    /// <summary>"lifeboat site create": the command's full name, for messages.</summary>
    public static string NameOf(Command command)
    {
        var names = new List<string>();
        for (var c = command; c is not null and not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, c.Name);
        }

        return "lifeboat " + string.Join(' ', names);
    }

    public static Argument<string> Arg(string name, string description) => new(name) { Description = description };

    public static string E(object? value) => Markup.Escape(value?.ToString() ?? "");

    private static PlatformException OnlyOnTheDatabase(Command command, RemoteTarget target) => new(PlatformErrorKind.Invalid,
        $"{NameOf(command)} works on the database directly, not through a server, so it was not sent to {target.Server}. " +
        $"Run it where the database is reachable, with --local (the embedded database, or --connection / LIFEBOAT_CONNECTION): " +
        "it then acts as your OS user's operator, or as the token in LIFEBOAT_TOKEN / --token-file. Nothing was done.");
}
