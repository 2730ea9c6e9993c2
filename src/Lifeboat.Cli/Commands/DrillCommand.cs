using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Lifeboat.Drill;
using Lifeboat.Drill.Report;
using Lifeboat.Platform;
using Lifeboat.Sample.Seeding;
using Lifeboat.Storage;
using Lifeboat.Storage.Hosting;
using Npgsql;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat drill`: the April 2022 scenario end to end, measured.</summary>
internal static class DrillCommand
{
    private const string DrillDatabase = "lifeboat_drill";

    public static Command Create(GlobalOptions g, IAnsiConsole console)
    {
        var sites = new Option<int>("--sites") { Description = "Sites the script targets (April 2022: 883)", DefaultValueFactory = _ => 883 };
        var size = new Option<string>("--size") { Description = "Size of each site: small, default or large", DefaultValueFactory = _ => "default" };
        var internalSites = new Option<int>("--internal") { Description = "How many of the targeted sites are internal", DefaultValueFactory = _ => 3 };
        var bystanders = new Option<int>("--bystanders") { Description = "Sites the script never touches, written to throughout (default: one per 20 targeted, at least 3)" };
        var pace = new Option<int>("--pace-ms") { Description = "Pause between two deletions of the script", DefaultValueFactory = _ => 100 };
        var noHalt = new Option<bool>("--no-halt") { Description = "Let the script delete every site: the detector alerts but halts nothing" };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated content", DefaultValueFactory = _ => 2022 };
        var reportDir = new Option<DirectoryInfo>("--report-dir") { Description = "Where drill-report.json and drill-report.html go", DefaultValueFactory = _ => new DirectoryInfo(DrillReportWriter.DefaultFolder) };
        var runbooks = new Option<DirectoryInfo?>("--runbooks")
        {
            Description = $"The runbook folder the incident's checklist comes from (default: ${IncidentCommands.RunbooksVariable}, else ./runbooks when there is one)",
        };
        var database = new Option<string?>("--database") { Description = $"Database of the private server to run in (default: {DrillDatabase}, created afresh for every drill)" };
        var command = new Command("drill", "Replay the April 2022 outage end to end and measure detection, recovery and data loss")
        {
            sites, size, internalSites, bystanders, pace, noHalt, seed, reportDir, runbooks, database,
        };
        command.NeedsNoPermission("runs in a database of its own, created afresh, and creates the operators it acts as there").SetAction(async (p, ct) =>
        {
            var options = new DrillOptions
            {
                Sites = p.GetValue(sites),
                Size = SeedSize.Parse(p.GetValue(size)),
                InternalSites = p.GetValue(internalSites),
                Bystanders = p.GetValue(bystanders),
                Pace = TimeSpan.FromMilliseconds(p.GetValue(pace)),
                NoHalt = p.GetValue(noHalt),
                Seed = p.GetValue(seed),
                RunbookFolder = RunbooksOf(p.GetValue(runbooks), g.Environment.Variable(IncidentCommands.RunbooksVariable)),
            };
            try
            {
                options.Validate();
                var home = g.HomeOf(p);
                var capacity = Capacity.Estimate(options, home.Path);
                capacity.Require(options, home.Path);
                console.MarkupLine($"Drill: {options.Sites} {options.Size.Name}-size sites targeted, {options.BystanderCount} bystanders; needs about {Capacity.Gib(capacity.BytesNeeded)}, takes about {capacity.Duration.TotalMinutes:0.#} min.");
                var (connections, blobs) = await PrepareDatabaseAsync(home, p.GetValue(database), ct);
                await using var platform = (await LifeboatPlatform.OpenAsync(new PlatformOptions
                {
                    Store = new StoreOptions
                    {
                        ConnectionString = connections.Application, OwnerConnectionString = connections.Owner, BlobDirectory = blobs, Actor = DrillRunner.Actor,
                    },
                }, ct)).WithActor(DrillRunner.Actor);
                var machine = await MachineAsync(connections.Application, ct);
                var report = await RunWithProgressAsync(console, platform, options, machine, ct);
                var (json, html) = await DrillReportWriter.WriteAsync(report, p.GetValue(reportDir)!.FullName, CancellationToken.None);
                Summary(console, report);
                console.MarkupLine($"Report: {Markup.Escape(html)} (data: {Markup.Escape(json)}{(report.RetrospectiveMarkdown is null ? "" : $", retrospective: {Markup.Escape(Path.Combine(Path.GetDirectoryName(json)!, DrillReportWriter.RetrospectiveFile))}")})");
                return !report.Complete ? LifeboatCli.Failed : report.Passed ? LifeboatCli.Ok : LifeboatCli.ProblemsFound;
            }
            catch (DrillException e)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return LifeboatCli.BadInput;
            }
        });
        return command;
    }

    /// <summary>The folder named, else $LIFEBOAT_RUNBOOKS, else the checkout's runbooks/ when the drill runs from it (scripts/drill.sh does).</summary>
    private static string? RunbooksOf(DirectoryInfo? given, string? variable)
    {
        if (given is not null)
        {
            return given.Exists ? given.FullName : throw new DrillException($"the runbook folder {given.FullName} does not exist: name a folder of runbooks (runbooks/ in the checkout has mass-deletion.yaml).");
        }

        return variable is { Length: > 0 } ? variable : Directory.Exists("runbooks") ? Path.GetFullPath("runbooks") : null;
    }

    /// <summary>
    /// The drill deletes sites, so by default it runs in a database of its own on the private server,
    /// created afresh each time. A connection string (or --database) is used as it is; the drill then
    /// refuses to run if it holds sites that are not the drill's.
    /// </summary>
    private static async Task<(DatabaseConnections Connections, string Blobs)> PrepareDatabaseAsync(LifeboatHome home, string? database, CancellationToken ct)
    {
        if (!home.UsesEmbeddedServer)
        {
            return (new DatabaseConnections(home.ConnectionString!, home.OwnerConnectionString), Path.Combine(home.Path, "drill", "blobs"));
        }

        var server = home.EmbeddedServer;
        await server.StartAsync(null, ct);
        var blobs = Path.Combine(home.Path, "drill", database ?? DrillDatabase, "blobs");
        if (database is null)
        {
            await server.DropDatabaseAsync(DrillDatabase, ct);
            if (Directory.Exists(blobs))
            {
                foreach (var file in Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories))
                {
                    File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                Directory.Delete(blobs, recursive: true);
            }
        }

        return (await server.CreateDatabaseAsync(database ?? DrillDatabase, ct), blobs);
    }

    private static async Task<MachineInfo> MachineAsync(string connection, CancellationToken ct)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync(ct);
        return new MachineInfo(Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, $"PostgreSQL {db.ServerVersion}", RuntimeInformation.OSDescription);
    }

    private static async Task<DrillReport> RunWithProgressAsync(IAnsiConsole console, LifeboatPlatform platform, DrillOptions options, MachineInfo machine, CancellationToken ct)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            return await new DrillRunner(platform, options, new PlainObserver(console)).RunAsync(machine, ct);
        }

        DrillReport report = null!;
        await console.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx => report = await new DrillRunner(platform, options, new BarObserver(ctx, console)).RunAsync(machine, ct));
        return report;
    }

    private static void Summary(IAnsiConsole console, DrillReport r)
    {
        static string S(double? s) => s is { } v ? (v < 120 ? $"{v:0.0} s" : $"{v / 60:0.0} min") : "—";
        var y = r.April2022;
        var table = new Table().Title(r.Complete ? (r.Passed ? "[green]Drill passed[/]" : "[red]Drill failed[/]") : "[yellow]Drill interrupted[/]")
            .AddColumns("", "April 2022", "This drill");
        table.AddRow("Wrong kind of ID", "accepted", r.Act1?.Refused == true ? "refused before anything changed" : "[red]accepted[/]");
        table.AddRow("Sites deleted", $"{y.SitesDeleted} in {y.DeletionMinutes} min", $"{r.SitesAffected}{(r.Act2?.Halted == true ? " (then halted)" : "")}");
        table.AddRow("Detection", $"a customer ticket, {y.DetectionMinutes} min in", r.DetectionSeconds is null ? "none" : $"automatic, {S(r.DetectionSeconds)} in");
        table.AddRow("Time to restore (RTO)", $"up to {y.RestoreDays} days", S(r.RtoSeconds));
        table.AddRow("Data lost (RPO)", $"up to {y.DataLostMinutes} min", r.RpoSeconds == 0 ? "none" : "[red]unproven[/]");
        table.AddRow("Sites restored / failed validation", "", $"{r.SitesRestored} / {r.SitesFailedValidation}");
        table.AddRow("Other sites' lost writes", "", r.LostWrites.ToString(CultureInfo.InvariantCulture));
        if (r.Incident is { } i)
        {
            table.AddRow("First public acknowledgement", $"{y.AcknowledgementMinutes / 60:0} h {y.AcknowledgementMinutes % 60:0} min after the first ticket", $"{S(i.FirstPublicUpdateSeconds)} after detection, through review");
            table.AddRow("Affected customers reached", "many could not be", i.CustomersReached == i.CustomersAffected
                ? $"{i.CustomersReached} of {i.CustomersAffected}, every one {S(i.EveryCustomerReachedSeconds)} after detection" : $"[red]{i.CustomersReached} of {i.CustomersAffected}[/]");
            table.AddRow("First broad external message", $"{y.BroadMessageDays:0} days", i.EveryCustomerReachedSeconds is { } b ? $"{S(b)} (mail to every affected customer, delivered)" : "[red]not delivered to everyone[/]");
            table.AddRow("Support without a login", "0 customers could file", i.Support is { Matched: true } ? "filed with an address and the old URL, matched to the account, site and incident" : $"[red]{Markup.Escape(i.Support?.Problem ?? "not tried")}[/]");
            table.AddRow("Every customer told their data is back", $"up to {y.ToldBackDays:0} days", i.EveryCustomerToldBackSeconds is { } t ? $"{S(t)} after the first deletion" : "—");
            table.AddRow("Updates sent per audience", "", string.Join(", ", i.UpdatesPerAudience.Select(a => $"{a.Key} {a.Value}")) + $"; {i.MessagesDelivered} of {i.MessagesSent} mails delivered");
            table.AddRow("Reminders that fired", "", i.RemindersFired.ToString(CultureInfo.InvariantCulture));
        }
        if (r.Load is { } load)
        {
            table.AddRow("Other sites' p99 write latency", "", $"before {load.Before.P99Ms:0.0} ms, during restore {load.During.P99Ms:0.0} ms, after {load.After.P99Ms:0.0} ms");
        }

        console.Write(table);
    }

    /// <summary>Progress bars, one per act.</summary>
    private sealed class BarObserver(ProgressContext context, IAnsiConsole console) : IDrillObserver
    {
        private readonly Dictionary<string, ProgressTask> _bars = [];

        public void Phase(string phase, string description, int total) => _bars[phase] = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));

        public void Progress(string phase, int done, string? detail = null)
        {
            if (_bars.TryGetValue(phase, out var bar))
            {
                bar.Value = Math.Min(done, bar.MaxValue);
                if (detail is not null)
                {
                    bar.Description = Markup.Escape(detail);
                }
            }
        }

        public void Note(string message) => console.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
    }

    /// <summary>For logs and pipes: a line per phase and every tenth of it.</summary>
    private sealed class PlainObserver(IAnsiConsole console) : IDrillObserver
    {
        private readonly Dictionary<string, (int Total, int Reported)> _phases = [];

        public void Phase(string phase, string description, int total)
        {
            _phases[phase] = (Math.Max(1, total), 0);
            console.WriteLine(description);
        }

        public void Progress(string phase, int done, string? detail = null)
        {
            // Every tenth of the phase, its end, and any report that says something (an act's outcome).
            if (_phases.TryGetValue(phase, out var p) && (done * 10 / p.Total > p.Reported * 10 / p.Total || done == p.Total || detail is not null) && (done != p.Reported || detail is not null))
            {
                _phases[phase] = (p.Total, done);
                console.WriteLine($"  {phase}: {done}/{p.Total}{(detail is null ? "" : $" ({detail})")}");
            }
        }

        public void Note(string message) => console.WriteLine($"  {message}");
    }
}
