using System.CommandLine;
using System.Globalization;
using Lifeboat.Platform;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;
using Spectre.Console;
using static Lifeboat.Platform.Access.Permissions;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat store`: tenants, per-tenant restore, blob verification, retention and erasure.</summary>
internal static class StoreCommands
{
    public static Command Create(GlobalOptions globals, IAnsiConsole console)
    {
        var store = new Command("store", "The tenant-safe store: tenants, restores, blobs, retention, erasure");
        store.Add(Tenants(globals, console));
        store.Add(Restore(globals, console));
        store.Add(Verify(globals, console));
        store.Add(Retention(globals, console));
        store.Add(Erase(globals, console));
        return store;
    }

    private static Command Tenants(GlobalOptions globals, IAnsiConsole console)
    {
        var state = new Option<TenantState?>("--state") { Description = "Only tenants in this state (Active, Suspended, Deleted, Restoring, Purged)" };
        var command = new Command("tenants", "List tenants and their lifecycle state") { state };
        command.WithSession(globals, StoreRead, async (parse, session, ct) =>
        {
            var s = session.Store;
            var tenants = await s.Tenants.ListAsync(parse.GetValue(state), ct);
            var table = new Table().AddColumns("Tenant", "State", "Since", "Created");
            foreach (var t in tenants)
            {
                table.AddRow(Markup.Escape(t.Id.Value), StateMarkup(t.State), Time(t.StateChangedAt), Time(t.CreatedAt));
            }

            console.Write(table);
            console.MarkupLine($"{tenants.Count} tenant(s)");
            return LifeboatCli.Ok;
        });
        return command;
    }

    private static Command Restore(GlobalOptions globals, IAnsiConsole console)
    {
        var tenant = new Argument<string>("tenant") { Description = "The tenant to restore" };
        var to = new Option<string>("--to") { Description = "Recovery point: a commit position ('position:123' or '@123') or a UTC time ('2026-04-05T07:38:00Z')", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would change and change nothing" };
        var resume = new Option<string?>("--resume") { Description = "Resume an interrupted restore by its ID (rst_…; a restore job's sites are retried with lifeboat restore retry)" };
        var command = new Command("restore", "Bring one tenant's records and blobs back to a point in time; no other tenant is touched") { tenant, to, dryRun, resume };
        command.WithSession(globals, StoreWrite, async (parse, session, ct) =>
        {
            var id = TenantId.Parse(parse.GetValue(tenant)!);
            var point = RecoveryPoint.Parse(parse.GetValue(to)!);
            var s = session.Store;
            if (parse.GetValue(dryRun))
            {
                var preview = await s.Restores.PreviewAsync(id, point, ct);
                console.MarkupLine($"Dry run: restoring [bold]{id}[/] to [bold]{point}[/] would change {preview.Records} record(s) and bring back {Bytes(preview.BlobBytes)} of blobs; its state would go from {StateMarkup(preview.StateNow)} to {StateMarkup(preview.StateAtPoint)}. Nothing was changed.");
                console.Write(ChangesTable(preview.Changes));
                return LifeboatCli.Ok;
            }

            RestoreResult result;
            try
            {
                if (parse.GetValue(resume) is { } restoreId)
                {
                    RefuseJobsRestore(restoreId);
                    var restore = await s.Restores.BeginAsync(id, point, restoreId, ct);
                    await restore.RestoreRecordsAsync(null, ct);
                    result = await restore.CompleteAsync(ct);
                }
                else
                {
                    result = await s.Restores.RestoreAsync(id, point, ct);
                }
            }
            catch (RestoreInProgressException busy) when (RestoreJobs.JobOfRestore(busy.RestoreId) is not null)
            {
                RefuseJobsRestore(busy.RestoreId);
                throw;
            }

            console.MarkupLine($"Restored [bold]{id}[/] to [bold]{point}[/] in {result.Duration.TotalSeconds:0.00} s ({result.RestoreId}): {result.Records} record(s), {Bytes(result.BlobBytes)} of blobs; state {StateMarkup(result.StateBefore)} → {StateMarkup(result.StateAfter)}.");
            console.Write(ChangesTable(result.Changes));
            console.MarkupLine($"To undo this restore: [bold]lifeboat store restore {id} --to {result.UndoPoint}[/]");
            return LifeboatCli.Ok;
        });
        return command;
    }

    /// <summary>
    /// A restore job's site ("&lt;job&gt;/&lt;site&gt;") is reopened only by the job's own steps, after its validation;
    /// reopening it here would skip that and leave the job ending with failures.
    /// </summary>
    private static void RefuseJobsRestore(string restoreId)
    {
        if (RestoreJobs.JobOfRestore(restoreId) is { } job)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"restore {restoreId} belongs to restore job {job}, which restores, validates and reopens the site itself; it is not resumed here. " +
                $"See why the site stopped: lifeboat restore status {job}; once the cause is fixed, retry the job's failed sites: lifeboat restore retry {job}. Nothing was changed.");
        }
    }

    private static Command Verify(GlobalOptions globals, IAnsiConsole console)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Only this tenant's blobs (default: every tenant, deleted ones included)" };
        var command = new Command("verify", "Re-hash every blob file still referenced and report the missing or altered ones") { tenant };
        command.WithSession(globals, StoreRead, async (parse, session, ct) =>
        {
            var id = parse.GetValue(tenant) is { } t ? TenantId.Parse(t) : (TenantId?)null;
            var s = session.Store;
            BlobVerificationReport report = null!;
            await console.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask("Hashing blobs", maxValue: 1);
                report = await s.Blobs.VerifyAsync(id, new InlineProgress<int>(n => { task.MaxValue = Math.Max(task.MaxValue, n); task.Value = n; }), ct);
                task.MaxValue = Math.Max(1, report.BlobsChecked);
                task.Value = task.MaxValue;
            });
            if (report.Intact)
            {
                console.MarkupLine($"[green]All {report.BlobsChecked} blob(s) intact[/] ({Bytes(report.BytesChecked)} hashed).");
                return LifeboatCli.Ok;
            }

            var table = new Table().AddColumns("Tenant", "Record", "Problem", "File");
            foreach (var p in report.Problems)
            {
                table.AddRow(Markup.Escape(p.Tenant), Markup.Escape($"{p.Collection}/{p.RecordId}"), $"[red]{Markup.Escape(p.Problem)}[/]", Markup.Escape(p.Path));
            }

            console.Write(table);
            console.MarkupLine($"[red]{report.Problems.Count} of {report.BlobsChecked} blob(s) are missing or altered.[/] Put the files back from a backup.");
            return LifeboatCli.ProblemsFound;
        });
        return command;
    }

    private static Command Retention(GlobalOptions globals, IAnsiConsole console)
    {
        var command = new Command("retention", "Compact history older than the retention window, purge tenants deleted for longer, remove unreferenced blob files");
        command.WithSession(globals, StoreWrite, async (parse, session, ct) =>
        {
            var s = session.Store;
            var report = await s.Retention.RunAsync(new InlineProgress<string>(m => console.MarkupLine($"[grey]{Markup.Escape(m)}[/]")), ct);
            console.MarkupLine($"Retention window starts {Time(report.Cutoff)}: {report.VersionsCompacted} old version(s) compacted, {report.TenantsPurged.Count} tenant(s) purged, " +
                $"{report.BlobFilesQuarantined} unreferenced blob file(s) set aside, {report.BlobFilesRemoved} set aside a grace period ago removed ({Bytes(report.BlobBytesRemoved)}).");
            return LifeboatCli.Ok;
        });
        return command;
    }

    private static Command Erase(GlobalOptions globals, IAnsiConsole console)
    {
        var erase = new Command("erase", "Permanent erase for compliance: request, approval by a second person, execution");

        var tenant = new Argument<string>("tenant") { Description = "The tenant whose data must be erased" };
        var reason = new Option<string>("--reason") { Description = "The legal or contractual ground", Required = true };
        var request = new Command("request", "Ask for a tenant's data to be erased") { tenant, reason };
        request.WithSession(globals, StoreWrite, async (parse, session, ct) =>
        {
            var s = session.Store;
            var r = await s.Erasures.RequestAsync(TenantId.Parse(parse.GetValue(tenant)!), parse.GetValue(reason)!, ct);
            console.MarkupLine($"Erasure [bold]{r.Id}[/] requested by {Markup.Escape(r.RequestedBy)}. Someone else, holding the approver role, must approve it with their own credential: [bold]lifeboat store erase approve {r.Id}[/]");
            return LifeboatCli.Ok;
        });

        var id = new Argument<string>("erasure") { Description = "The erasure ID (ers_…)" };
        var approve = new Command("approve", "Approve an erasure someone else requested") { id };
        approve.WithSession(globals, ErasuresApprove, async (parse, session, ct) =>
        {
            var s = session.Store;
            var r = await s.Erasures.ApproveAsync(ErasureId.Parse(parse.GetValue(id)!), ct);
            console.MarkupLine($"Erasure [bold]{r.Id}[/] of tenant {r.Tenant} approved by {Markup.Escape(r.ApprovedBy!)}. Run it with [bold]lifeboat store erase execute {r.Id}[/]");
            return LifeboatCli.Ok;
        });

        var executeId = new Argument<string>("erasure") { Description = "The erasure ID (ers_…)" };
        var execute = new Command("execute", "Run an approved erasure: the tenant's data is removed for good") { executeId };
        execute.WithSession(globals, StoreWrite, async (parse, session, ct) =>
        {
            var s = session.Store;
            var r = await s.Erasures.ExecuteAsync(ErasureId.Parse(parse.GetValue(executeId)!), ct);
            console.MarkupLine($"Erased tenant [bold]{r.Tenant}[/] ({r.Id}: requested by {Markup.Escape(r.RequestedBy)}, approved by {Markup.Escape(r.ApprovedBy!)}, run by {Markup.Escape(r.ExecutedBy!)}).");
            return LifeboatCli.Ok;
        });

        var list = new Command("list", "List erasure requests");
        list.WithSession(globals, StoreRead, async (parse, session, ct) =>
        {
            var s = session.Store;
            var table = new Table().AddColumns("Erasure", "Tenant", "Requested by", "Approved by", "Executed");
            foreach (var r in await s.Erasures.ListAsync(ct))
            {
                table.AddRow(r.Id.Value, r.Tenant.Value, Markup.Escape(r.RequestedBy), Markup.Escape(r.ApprovedBy ?? "-"), r.ExecutedAt is { } e ? Time(e) : "-");
            }

            console.Write(table);
            return LifeboatCli.Ok;
        });

        erase.Add(request);
        erase.Add(approve);
        erase.Add(execute);
        erase.Add(list);
        return erase;
    }

    internal static Table ChangesTable(IReadOnlyList<CollectionChange> changes)
    {
        var table = new Table().AddColumns("Collection", "Reverted", "Undeleted", "Deleted", "Blob bytes");
        foreach (var c in changes)
        {
            table.AddRow(Markup.Escape(c.Collection), N(c.Reverted), N(c.Undeleted), N(c.Deleted), Bytes(c.BlobBytes));
        }

        if (changes.Count == 0)
        {
            table.AddRow("[grey](no record differs from the point)[/]", "", "", "", "");
        }

        return table;
    }

    internal static string StateMarkup(TenantState state) => state switch
    {
        TenantState.Active => "[green]Active[/]",
        TenantState.Suspended => "[yellow]Suspended[/]",
        TenantState.Deleted => "[red]Deleted[/]",
        TenantState.Restoring => "[blue]Restoring[/]",
        _ => "[grey]Purged[/]",
    };

    internal static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    internal static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    internal static string Bytes(long b) => b switch
    {
        < 1024 => $"{b} B",
        < 1024 * 1024 => $"{b / 1024.0:0.#} KiB",
        < 1024L * 1024 * 1024 => $"{b / 1024.0 / 1024:0.#} MiB",
        _ => $"{b / 1024.0 / 1024 / 1024:0.##} GiB",
    };
}
