using System.CommandLine;
using System.Globalization;
using Lifeboat.Communication;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Retrospectives;
using Lifeboat.Platform.Backups;
using Lifeboat.Storage;
using Lifeboat.Support;
using Spectre.Console;
using static Lifeboat.Cli.Commands.PlatformCommand;
using static Lifeboat.Cli.Commands.StoreCommands;
using static Lifeboat.Platform.Access.Permissions;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat backup`: backups that survive the loss of the database. Listing, verifying, measuring
/// the RPO and rebuilding an empty environment read only the backup folder, so they work when the
/// live database is gone.
/// </summary>
internal static class BackupCommands
{
    public static Command Create(GlobalOptions g, IAnsiConsole console)
    {
        var folder = new Option<string?>("--backups")
        {
            Description = "The backup folder (default: LIFEBOAT_BACKUPS, else <home>/backups)",
            Recursive = true,
        };
        var keyFile = new Option<string?>("--key-file")
        {
            Description = "The backup key file: one base64 key per line, the current one first, older ones kept to read older backups " +
                          "(default: LIFEBOAT_BACKUP_KEY_FILE, else the keys in LIFEBOAT_BACKUP_KEY, else <home>/backup.key, created owner-only on first use)",
            Recursive = true,
        };
        var backup = new Command("backup", "Backups that outlive the database: full and incremental, verify, restore, retention, RPO") { folder, keyFile };
        var context = new BackupCommandContext(g, folder, keyFile, console);
        backup.Add(Take(context, BackupKind.Full, "full", "Take a full backup of the environment, or of one site: starts a new chain"));
        backup.Add(Take(context, BackupKind.Incremental, "incremental", "Back up what was committed since the newest backup of the same scope"));
        backup.Add(List(context));
        backup.Add(Verify(context));
        backup.Add(Restore(context));
        backup.Add(RestoreAll(context));
        backup.Add(Rpo(context));
        backup.Add(Retention(context));
        backup.Add(RotateKey(context));
        return backup;
    }

    private static Command Take(BackupCommandContext c, BackupKind kind, string name, string description)
    {
        var site = new Option<string?>("--site") { Description = "Only this site (site_…); default: the whole environment" };
        var files = new Option<bool>("--files") { Description = "Also list the backup's files with their sizes and hashes (the manifest holds them all)" };
        var command = new Command(name, description) { site, files };
        command.Needs(BackupsWrite);
        command.SetAction(async (parse, ct) =>
        {
            var siteId = parse.GetValue(site) is { } s ? SiteId.Parse(s) : (SiteId?)null;
            await using var session = await c.OpenSessionAsync(command, parse, BackupsWrite, ct);
            var platform = session.Platform;
            var manifest = await c.WithProgressAsync(p => kind == BackupKind.Full
                ? platform.Backups.FullAsync(siteId, p, ct)
                : platform.Backups.IncrementalAsync(siteId, p, ct));
            c.Console.MarkupLine($"{manifest.Kind} backup [bold]{manifest.Id}[/] of {(manifest.Site is { } x ? $"site {x}" : "the environment")}: " +
                $"positions {manifest.AfterPosition}–{manifest.UpToPosition}, {N(manifest.Versions)} version(s), {manifest.Files.Count} file(s), {Bytes(manifest.Bytes)}" +
                (manifest.Previous is { } prev ? $", following {prev} in chain {manifest.Chain}." : "."));
            // Every blob file is a file of the backup: the list is long, and only asked for when wanted.
            if (parse.GetValue(files))
            {
                var table = new Table().AddColumns("File", "Bytes", "SHA-256");
                foreach (var file in manifest.Files)
                {
                    table.AddRow(E(file.Name), Bytes(file.Bytes), file.Sha256[..16] + "…");
                }

                c.Console.Write(table);
            }

            c.Console.MarkupLine($"Written once, read-only, to {E(Path.Combine(c.FolderOf(parse), manifest.Id.Value))}");
            return LifeboatCli.Ok;
        });
        return command;
    }

    private static Command List(BackupCommandContext c)
    {
        var command = new Command("list", "List backups by chain, oldest first: where a chain breaks, which backups can no longer be restored, and what to do");
        command.NeedsNoPermission("reads only the backup folder, which is its owner's alone (0700), so it works when the database is gone");
        command.SetAction(async (parse, ct) =>
        {
            var listing = await c.DirectoryOf(parse).ListAsync(ct);
            // One block per chain: its full backup, then each incremental in link order; a break shows where it is.
            var table = new Table().AddColumns("Backup", "Kind", "Of", "Positions", "Started", "Versions", "Size", "Restorable");
            foreach (var chain in listing.Chains)
            {
                if (table.Rows.Count > 0)
                {
                    table.AddEmptyRow();
                }

                var restorable = chain.LastRestorable is { } last ? chain.Members.TakeWhile(m => m != last).Append(last).Select(m => m.Id).ToHashSet() : [];
                foreach (var b in chain.Members)
                {
                    foreach (var gap in chain.Gaps.Where(g => g.Kind != BackupGapKind.Fork && g.Unrestorable[0] == b.Id))
                    {
                        table.AddRow(gap.Backup.Value, gap.Kind == BackupGapKind.Missing ? "[red]✗ missing[/]" : "[red]✗ damaged[/]", b.Site?.Value ?? "environment",
                            $"{gap.AfterPosition}–{gap.UpToPosition}", "-", "-", "-", "[red]no[/]");
                    }

                    table.AddRow(b.Id.Value, b.Kind == BackupKind.Full ? "full" : "└ incremental", b.Site?.Value ?? "environment",
                        $"{b.AfterPosition}–{b.UpToPosition}", Time(b.StartedAt), N(b.Versions), Bytes(b.Bytes), restorable.Contains(b.Id) ? "yes" : "[red]no[/]");
                }
            }

            c.Console.Write(table);
            c.Console.MarkupLine($"{listing.Backups.Count} backup(s) in {listing.Chains.Count} chain(s), {Bytes(listing.Backups.Sum(b => b.Bytes))}, in {E(c.FolderOf(parse))}");
            foreach (var chain in listing.Chains)
            {
                foreach (var gap in chain.Gaps)
                {
                    WriteGap(c.Console, chain, gap);
                }
            }

            // What no break explains: unreadable backups no other backup follows, and links that do not match.
            var explained = listing.Chains.SelectMany(ch => ch.Gaps).SelectMany(g => g.Unrestorable.Append(g.Backup)).ToHashSet();
            var other = listing.Unreadable.Concat(listing.Chains.SelectMany(ch => ch.Problems)).Where(p => p.Backup is not { } b || !explained.Contains(b)).DistinctBy(p => p.Path).ToList();
            foreach (var problem in other)
            {
                c.Console.MarkupLine($"[red]{E(problem)}[/]");
            }

            return listing.Unreadable.Count > 0 || listing.Chains.Any(ch => ch.Problems.Count > 0) ? LifeboatCli.ProblemsFound : LifeboatCli.Ok;
        });
        return command;
    }

    /// <summary>Says what a break in a chain means: which backups it takes with it, which points still restore, and what to do.</summary>
    private static void WriteGap(IAnsiConsole console, BackupChain chain, BackupChainGap gap)
    {
        var full = chain.Site is { } site ? $"lifeboat backup full --site {site}" : "lifeboat backup full";
        var lost = string.Join(", ", gap.Unrestorable);
        console.MarkupLine($"[red]Chain {chain.Id} of {E(chain.Describe())} is broken at {gap.Backup}:[/] {E(gap.Describe())}.");
        console.MarkupLine($"  {lost} {(gap.Kind == BackupGapKind.Fork ? "" : "depend on it and ")}can no longer be restored; " +
            (chain.LastRestorable is { } last ? $"points up to position {last.UpToPosition} ({last.Id}) still can." : "nothing in this chain can be restored."));
        console.MarkupLine($"  Take a full backup now ({full}): an incremental backup cannot extend a broken chain.");
    }

    private static Command Verify(BackupCommandContext c)
    {
        var id = new Argument<string?>("backup") { Description = "Verify this backup and the ones before it in its chain (bak_…); default: every backup", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("verify", "Re-hash every file of the backups and check the links between their manifests") { id };
        command.NeedsNoPermission("reads only the backup folder, which is its owner's alone (0700), so it works when the database is gone");
        command.SetAction(async (parse, ct) =>
        {
            var backup = parse.GetValue(id) is { } b ? BackupId.Parse(b) : (BackupId?)null;
            var report = await c.WithProgressAsync(p => c.DirectoryOf(parse).VerifyAsync(backup, p, ct));
            if (report.Files == 0 && report.Intact)
            {
                c.Console.MarkupLine($"[red]There are no backups in {E(c.FolderOf(parse))}:[/] nothing could be restored. Take one with `lifeboat backup full`.");
                return LifeboatCli.ProblemsFound;
            }

            if (report.Intact)
            {
                c.Console.MarkupLine($"[green]All {report.Files} file(s) of {report.Backups.Count} backup(s) intact[/] ({Bytes(report.Bytes)} hashed).");
                return LifeboatCli.Ok;
            }

            var root = c.FolderOf(parse);
            var table = new Table().AddColumns("Backup", "File", "Problem");
            foreach (var problem in report.Problems)
            {
                table.AddRow(problem.Backup?.Value ?? "-", E(Path.GetRelativePath(root, problem.Path)), $"[red]{E(problem.Problem)}[/]");
            }

            c.Console.Write(table);
            c.Console.MarkupLine($"Files are under {E(root)}.");
            c.Console.MarkupLine($"[red]{report.Problems.Count} file(s) missing or altered.[/] A restore refuses a chain with any of them; allow an older chain explicitly to use one.");
            return LifeboatCli.ProblemsFound;
        });
        return command;
    }

    private static Command Restore(BackupCommandContext c)
    {
        var site = new Option<string>("--site") { Description = "The site to bring back (site_…)", Required = true };
        var to = new Option<string>("--to") { Description = "Recovery point: a commit position ('position:123' or '@123') or a UTC time ('2026-04-05T07:38:00Z')", Required = true };
        var older = new Option<bool>("--allow-older-chain") { Description = "When the newest chain that covers the point is damaged, use the newest intact older one (possibly ending earlier)" };
        var command = new Command("restore", "Bring one site of the live environment to a point from backups; no other site is touched") { site, to, older };
        command.Needs(BackupsWrite);
        command.SetAction(async (parse, ct) =>
        {
            var siteId = SiteId.Parse(parse.GetValue(site));
            var point = RecoveryPoint.Parse(parse.GetValue(to)!);
            await using var session = await c.OpenSessionAsync(command, parse, BackupsWrite, ct);
            var platform = session.Platform;
            var report = await c.WithProgressAsync(p => platform.Backups.RestoreSiteAsync(siteId, point, parse.GetValue(older), p, ct));
            foreach (var skipped in report.SkippedChains)
            {
                c.Console.MarkupLine($"[yellow]Passed over damaged chain {skipped.Chain}:[/] {E(string.Join("; ", skipped.Problems))}");
            }

            if (report.Point != report.RequestedPoint)
            {
                c.Console.MarkupLine($"[yellow]The intact chain ends before {report.RequestedPoint}: restored to {report.Point}, its end.[/]");
            }

            var r = report.Restore;
            c.Console.MarkupLine($"Restored site [bold]{siteId}[/] to [bold]{report.Point}[/] from chain {report.Chain} ({string.Join(", ", report.BackupsUsed)}): " +
                $"{N(report.Import.Versions)} version(s) and {report.BlobsCopied} blob file(s) the live store lacked were imported; {r.Records} record(s) changed; state {StateMarkup(r.StateBefore)} → {StateMarkup(r.StateAfter)}.");
            c.Console.Write(ChangesTable(r.Changes));
            c.Console.MarkupLine($"To undo this restore: [bold]lifeboat store restore {siteId} --to {r.UndoPoint}[/]");
            return LifeboatCli.Ok;
        });
        return command;
    }

    private static Command RestoreAll(BackupCommandContext c)
    {
        var into = new Option<string>("--into")
        {
            Description = "Connection string of the new, empty database to fill, as its owner role (restoring migrates the schema and imports history, which the application role may not)",
            Required = true,
        };
        var blobs = new Option<string?>("--blobs") { Description = "The new environment's blob folder: a new folder (required; never the live one unless --allow-live-blobs)" };
        var allowLive = new Option<bool>("--allow-live-blobs")
        {
            Description = "Let --blobs be the live environment's blob folder: only when the live database is gone for good and the new environment replaces it",
        };
        var older = new Option<bool>("--allow-older-chain") { Description = "When the newest environment chain is damaged, use the newest intact older one" };
        var command = new Command("restore-all", "Rebuild every site and the platform's tables in an empty database from the newest environment chain") { into, blobs, allowLive, older };
        command.NeedsNoPermission("fills a new, empty database as its owner role (--into): holding that connection is the permission; the environment's operators come back with it");
        command.SetAction(async (parse, ct) =>
        {
            // Never the live database (it may be gone), and never the live blob folder unless asked: checked before anything is created.
            var target = new PlatformOptions
            {
                Store = new StoreOptions
                {
                    ConnectionString = parse.GetValue(into)!,
                    OwnerConnectionString = parse.GetValue(into)!,
                    BlobDirectory = NewBlobFolder(parse.GetValue(blobs), c.Globals.HomeOf(parse).BlobDirectory, parse.GetValue(allowLive)),
                    // The new database has no operator yet (its own come with the backup): the OS user who rebuilt it is recorded.
                    Actor = c.Globals.Environment.OsUser,
                },
                Modules = [IncidentDesk.Module, CommunicationDesk.Module, SupportDesk.Module, RetrospectiveDesk.Module],
            };
            var report = await c.WithProgressAsync(p => c.DirectoryOf(parse).RestoreEnvironmentAsync(target, parse.GetValue(older), p, ct));
            foreach (var skipped in report.SkippedChains)
            {
                c.Console.MarkupLine($"[yellow]Passed over damaged chain {skipped.Chain}:[/] {E(string.Join("; ", skipped.Problems))}");
            }

            var table = new Table().AddColumns("Restored", "Count");
            table.AddRow("Sites", N(report.Sites));
            table.AddRow("Tenants", N(report.Import.TenantsCreated));
            table.AddRow("Versions", N(report.Import.Versions));
            table.AddRow("Lifecycle changes", N(report.Import.LifecycleChanges));
            table.AddRow("Platform and store rows", N(report.Import.TableRows));
            table.AddRow("Blob files", N(report.BlobsCopied));
            table.AddRow("Purged tenants (kept purged)", N(report.Import.PurgedTenantsSkipped.Count));
            c.Console.Write(table);
            c.Console.MarkupLine($"The environment is back as of [bold]{report.Point}[/] (chain {report.Chain}: {string.Join(", ", report.BackupsUsed)}). Point Lifeboat at it with --connection (its application role) and --owner-connection, or LIFEBOAT_CONNECTION and LIFEBOAT_OWNER_CONNECTION.");
            return LifeboatCli.Ok;
        });
        return command;
    }

    /// <summary>
    /// The blob folder a restore-all fills. Sharing the live one would mix two environments' files, and the
    /// retention job of each would collect the files only the other refers to; so it must be named, and the
    /// live one only on purpose.
    /// </summary>
    private static string NewBlobFolder(string? given, string live, bool allowLive)
    {
        live = Path.GetFullPath(live);
        if (given is not { Length: > 0 })
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"restore-all needs --blobs <folder>: the new environment's blob folder, a new folder such as {Path.Combine(Path.GetDirectoryName(live) ?? live, "restored-blobs")}. " +
                $"It is never the live environment's blob folder ({live}) unless you say so. Nothing was changed.");
        }

        if (SameFolder(given, live) && !allowLive)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{live} is the live environment's blob folder: the new environment would share its files, and the retention of each would remove the files only the other refers to. " +
                "Give a new folder to --blobs; or, only when the live database is gone for good and the new environment replaces it, add --allow-live-blobs. Nothing was changed.");
        }

        return Path.GetFullPath(given);
    }

    private static bool SameFolder(string a, string b) => string.Equals(RealPath(a), RealPath(b), StringComparison.Ordinal);

    /// <summary>The absolute path with the symbolic links on the way resolved, as far as its folders exist.</summary>
    private static string RealPath(string path)
    {
        var current = Path.GetPathRoot(Path.GetFullPath(path))!;
        foreach (var part in Path.GetFullPath(path).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            var folder = new DirectoryInfo(current);
            if (folder.Exists && folder.LinkTarget is not null && folder.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                current = Path.GetFullPath(target.FullName);
            }
        }

        return Path.TrimEndingDirectorySeparator(current);
    }

    private static Command Rpo(BackupCommandContext c)
    {
        var command = new Command("rpo", "The recovery point objective the backups actually taken achieve: worst gap, and the age of the newest");
        command.NeedsNoPermission("reads only the backup folder, which is its owner's alone (0700), so it works when the database is gone");
        command.SetAction(async (parse, ct) =>
        {
            var report = await c.DirectoryOf(parse).RpoAsync(ct);
            var table = new Table().AddColumns("Scope", "Backups", "Oldest", "Newest", "Worst gap", "Newest age", "RPO");
            foreach (var line in report.Lines)
            {
                table.AddRow(line.Scope, N(line.Backups), Time(line.Oldest), Time(line.Newest),
                    line.WorstGap is { } gap ? $"{Span(gap)} (to {Time(line.WorstGapEndedAt!.Value)})" : "-", Span(line.NewestAge), $"[bold]{Span(line.Rpo)}[/]");
            }

            c.Console.Write(table);
            c.Console.MarkupLine(report.Lines.Count == 0
                ? "[red]No backups: if the database vanished now, everything would be lost.[/]"
                : "If the database vanished now, what was committed after the newest backup of each scope would be lost (its age). Run `backup verify` to know the backups are intact.");
            return LifeboatCli.Ok;
        });
        return command;
    }

    private static Command Retention(BackupCommandContext c)
    {
        var days = new Option<int>("--days") { Description = "Keep backups this many days", DefaultValueFactory = _ => 30 };
        var command = new Command("retention", "Remove chains older than the retention period for which a newer intact full backup exists") { days };
        command.Needs(BackupsWrite);
        command.SetAction(async (parse, ct) =>
        {
            await using var session = await c.OpenSessionAsync(command, parse, BackupsWrite, ct, TimeSpan.FromDays(parse.GetValue(days)));
            var platform = session.Platform;
            var report = await platform.Backups.ApplyRetentionAsync(ct);
            c.Console.MarkupLine($"Retention keeps backups from {Time(report.Cutoff)} on: removed {report.Removed.Count} backup(s) ({Bytes(report.BytesRemoved)}){(report.Removed.Count > 0 ? ": " + string.Join(", ", report.Removed) : "")}.");
            foreach (var note in report.Notes)
            {
                c.Console.MarkupLine($"[yellow]{E(note)}[/]");
            }

            return LifeboatCli.Ok;
        });
        return command;
    }

    private static string Span(TimeSpan t) => t.TotalDays >= 1
        ? t.ToString(@"d\d\ hh\h\ mm\m", CultureInfo.InvariantCulture)
        : t.ToString(@"hh\h\ mm\m\ ss\s", CultureInfo.InvariantCulture);

    private static Command RotateKey(BackupCommandContext c)
    {
        var command = new Command("rotate-key", "Put a new current key at the top of the key file; the old keys stay below it to read older backups");
        command.NeedsNoPermission("rewrites only the key file, which is its owner's alone (0600): writing that file is the permission, and it works when the database is gone");
        command.SetAction(parse =>
        {
            var path = c.KeyFileOf(parse) ?? throw new PlatformException(PlatformErrorKind.Invalid,
                "the keys come from LIFEBOAT_BACKUP_KEY, which Lifeboat cannot rewrite: put a new key first in that variable and keep the old ones after it.");
            var ring = Lifeboat.Platform.Backups.Sealing.BackupKeyring.Rotate(path);
            c.Console.MarkupLine($"New backups are sealed with {E(ring.Current.Id)}; {ring.Keys.Count - 1} older key(s) kept in {E(path)} to read older backups.");
            return LifeboatCli.Ok;
        });
        return command;
    }
}
