using System.CommandLine;
using Npgsql;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat db`: the embedded PostgreSQL Lifeboat starts itself.</summary>
internal static class DbCommands
{
    private const string PrivateServer = "manages the OS user's own private PostgreSQL process, under their home; no environment's data is read or written";

    public static Command Create(GlobalOptions globals, IAnsiConsole console)
    {
        var db = new Command("db", "The private PostgreSQL Lifeboat runs when no connection string is given");

        var status = new Command("status", "Show whether the private PostgreSQL is running, where, and on which port");
        status.NeedsNoPermission(PrivateServer).SetAction(async (parse, ct) =>
        {
            var home = globals.HomeOf(parse);
            if (!home.UsesEmbeddedServer)
            {
                var builder = new NpgsqlConnectionStringBuilder(home.ConnectionString);
                await using var connection = new NpgsqlConnection(home.ConnectionString);
                await connection.OpenAsync(ct);
                console.MarkupLine($"Using an external PostgreSQL at [bold]{Markup.Escape($"{builder.Host}:{builder.Port}/{builder.Database}")}[/] (server {Markup.Escape(connection.ServerVersion)}); it is reachable.");
                return LifeboatCli.Ok;
            }

            var s = await home.EmbeddedServer.GetStatusAsync(ct);
            var table = new Table().AddColumns("", "");
            table.HideHeaders();
            table.AddRow("State", !s.Initialized ? "[grey]not created yet (the first command that needs it creates it)[/]" : s.Running ? "[green]running[/]" : "[yellow]stopped[/]");
            table.AddRow("Data folder", Markup.Escape(s.DataDirectory));
            table.AddRow("Listens on", s.Port is { } p ? $"127.0.0.1:{p}" : "-");
            table.AddRow("Process", s.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-");
            table.AddRow("PostgreSQL", s.Version ?? "-");
            table.AddRow("Log", Markup.Escape(s.LogFile));
            console.Write(table);
            return LifeboatCli.Ok;
        });

        var start = new Command("start", "Create (first time) and start the private PostgreSQL");
        start.NeedsNoPermission(PrivateServer).SetAction(async (parse, ct) =>
        {
            var home = globals.HomeOf(parse);
            await home.ResolveConnectionAsync(new InlineProgress<string>(m => console.MarkupLine($"[grey]{Markup.Escape(m)}[/]")), ct);
            var s = await home.EmbeddedServer.GetStatusAsync(ct);
            console.MarkupLine($"The private PostgreSQL is running on 127.0.0.1:{s.Port} (data in {Markup.Escape(s.DataDirectory)}).");
            return LifeboatCli.Ok;
        });

        var stop = new Command("stop", "Stop the private PostgreSQL; its data stays for the next run");
        stop.NeedsNoPermission(PrivateServer).SetAction(async (parse, ct) =>
        {
            var home = globals.HomeOf(parse);
            if (!home.UsesEmbeddedServer)
            {
                console.MarkupLine("[yellow]A connection string is configured: Lifeboat does not stop external servers.[/]");
                return LifeboatCli.BadInput;
            }

            var stopped = await home.EmbeddedServer.StopAsync(ct);
            console.MarkupLine(stopped
                ? $"Stopped the private PostgreSQL; its data stays in {Markup.Escape(home.EmbeddedServer.DataDirectory)}."
                : "The private PostgreSQL was not running.");
            return LifeboatCli.Ok;
        });

        db.Add(status);
        db.Add(start);
        db.Add(stop);
        return db;
    }
}
