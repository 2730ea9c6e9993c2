using System.Security.Cryptography;
using System.Text;
using Lifeboat.Platform.Backups;
using Lifeboat.Platform.Contacts;
using Lifeboat.Storage;
using Lifeboat.Storage.Backups;
using Npgsql;

namespace Lifeboat.Platform.Tests;

public sealed class BackupTests
{
    private static readonly CollectionDefinition Issues = new("tracker.issues", "status");
    private static readonly CollectionDefinition Attachments = new("tracker.attachments");
    private const UnixFileMode OthersAndGroup = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task FullAndIncrementalSiteBackups_BringBackASiteWhoseRowsWereLost_ToAnExactPoint_WithTheSameIds_LeavingOtherSitesAlone()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var p = env.Platform;
        var site = await p.Sites.CreateAsync("Acme", "eu-west");
        var other = await p.Sites.CreateAsync("Globex", "eu-west");
        var ann = await p.Identity.AddUserAsync(site.Id, "ann@example.com", "Ann");
        var licence = await p.Provisioning.GrantLicenceAsync(site.Id, PlatformFixture.Tracker, 10);
        await p.Store.Blobs.PutAsync(site.Id.Tenant, Attachments, "logo", Bytes("logo v1"));
        var full = await env.Backups.FullAsync(site.Id);
        var bob = await p.Identity.AddUserAsync(site.Id, "bob@example.com", "Bob");
        await p.Store.Blobs.PutAsync(site.Id.Tenant, Attachments, "logo", Bytes("logo v2"));
        var point = (await p.Store.Records.PutAsync(site.Id.Tenant, Issues, "iss-1", new { title = "Login fails", status = "open" })).Position;
        var first = await env.Backups.IncrementalAsync(site.Id);
        await p.Store.Records.PutAsync(site.Id.Tenant, Issues, "iss-1", new { title = "closed by a script", status = "closed" });
        await p.Store.Records.DeleteAsync(site.Id.Tenant, "identity.users", bob.Id.Value);
        await p.Store.Records.PutAsync(other.Id.Tenant, Issues, "o-1", new { title = "theirs", status = "open" });
        var second = await env.Backups.IncrementalAsync(site.Id);
        var expected = await p.Store.Records.SnapshotAsync(site.Id.Tenant, RecoveryPoint.AtPosition(point));
        var otherBefore = await VersionsAsync(env.Database.ConnectionString, other.Id);
        await LoseSiteAsync(env, site.Id);
        (await Should.ThrowAsync<PlatformException>(() => p.Sites.GetAsync(site.Id))).Kind.ShouldBe(PlatformErrorKind.NotFound);

        var report = await env.Backups.RestoreSiteAsync(site.Id, RecoveryPoint.AtPosition(point));

        second.AfterPosition.ShouldBe(first.UpToPosition);
        report.BackupsUsed.ShouldBe([full.Id, first.Id], "the second incremental starts after the point");
        report.Import.TenantsCreated.ShouldBe(1);
        report.BlobsCopied.ShouldBe(2, "both logo versions are needed: v1 is history, v2 is current at the point");
        (await p.Store.Records.SnapshotAsync(site.Id.Tenant)).Select(Content).ShouldBe(expected.Select(Content));
        (await p.Identity.UsersAsync(site.Id)).Select(u => u.Id).ShouldBe([ann.Id, bob.Id], ignoreOrder: true);
        (await p.Provisioning.LicencesAsync(site.Id)).Single().Id.ShouldBe(licence.Id);
        (await p.Store.Blobs.ReadAllBytesAsync(site.Id.Tenant, "tracker.attachments", "logo")).ShouldBe(Encoding.UTF8.GetBytes("logo v2"));
        (await p.Sites.GetAsync(site.Id)).Name.ShouldBe("Acme", "the site's directory entry comes back with it");
        (await VersionsAsync(env.Database.ConnectionString, other.Id)).ShouldBe(otherBefore);
        (await p.Audit.OfAsync(first.Id.Value)).Select(a => a.Step).ShouldContain("backup.restore-site");
    }

    [Fact]
    public async Task RestoreSite_KeepsTheBlobFilesItCopies_WhenRetentionRunsBeforeItCommits()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var p = env.Platform;
        var site = await p.Sites.CreateAsync("Acme", "eu-west");
        await p.Store.Blobs.PutAsync(site.Id.Tenant, Attachments, "logo", Bytes("the logo of a site that was lost"));
        var full = await env.Backups.FullAsync(site.Id);
        await LoseSiteAsync(env, site.Id);
        // A long restore: while it copies blob files, retention runs twice past the grace period.
        var retentionRuns = 0;
        var copying = new InlineProgress(step =>
        {
            if (step.Step == "Copying blobs")
            {
                for (var i = 0; i < 2; i++)
                {
                    env.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
                    Task.Run(() => env.Store.Retention.RunAsync()).GetAwaiter().GetResult();
                    retentionRuns++;
                }
            }
        });

        var report = await env.Backups.RestoreSiteAsync(site.Id, RecoveryPoint.AtPosition(full.UpToPosition), progress: copying);

        retentionRuns.ShouldBe(2);
        report.BlobsCopied.ShouldBe(1);
        (await p.Store.Blobs.ReadAllBytesAsync(site.Id.Tenant, "tracker.attachments", "logo")).ShouldBe(Encoding.UTF8.GetBytes("the logo of a site that was lost"));
    }

    [Fact]
    public async Task RestoreAll_AfterTheLiveDatabaseIsLost_RebuildsEverySiteInAnEmptyDatabase_ExactlyAsBackedUp()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var p = env.Platform;
        var acme = await p.Sites.CreateAsync("Acme", "eu-west");
        var user = await p.Identity.AddUserAsync(acme.Id, "ann@example.com", "Ann");
        await p.Provisioning.GrantLicenceAsync(acme.Id, PlatformFixture.Tracker, 10);
        await p.Apps.InstallAsync(acme.Id, PlatformFixture.LegacyApp);
        await p.Store.Blobs.PutAsync(acme.Id.Tenant, Attachments, "logo", Bytes("acme logo"));
        await p.Contacts.AddAsync(acme.Id, ContactRole.Admin, "Ann", "ann@example.com", null);
        var gone = await p.Sites.CreateAsync("Initech", "us-east");
        await p.Sites.DeleteAsync(gone.Id, "churned");
        var erased = await p.Sites.CreateAsync("Hooli", "us-east");
        await p.Store.Records.PutAsync(erased.Id.Tenant, Issues, "h-1", new { title = "personal data", status = "open" });
        var full = await env.Backups.FullAsync();
        var erasure = await p.Store.WithActor("dpo").Erasures.RequestAsync(erased.Id.Tenant, "GDPR art. 17");
        await p.Store.WithActor("cto").Erasures.ApproveAsync(erasure.Id);
        await p.Store.Erasures.ExecuteAsync(erasure.Id);
        await p.Identity.SetUserActiveAsync(user.Id, false);
        var late = await p.Sites.CreateAsync("Umbrella", "ap-southeast");
        await p.Store.Records.PutAsync(late.Id.Tenant, Issues, "u-1", new { title = "hello", status = "open" });
        var incremental = await env.Backups.IncrementalAsync();
        var before = await DumpAsync(env.Database.ConnectionString);
        var sitesBefore = await p.Sites.ListAsync();

        // The live database is lost: its versions are gone.
        await BackupEnvironment.ExecuteAsync(env.Database.OwnerConnectionString, "DROP TABLE lifeboat.record_history, lifeboat.records");
        await Should.ThrowAsync<PostgresException>(() => p.Identity.UsersAsync(acme.Id));
        var empty = await env.EmptyDatabaseAsync();
        var target = env.Options(empty, "restored-blobs");

        var report = await new BackupDirectory(env.BackupFolder, env.Keys, env.Clock).RestoreEnvironmentAsync(target);

        report.BackupsUsed.ShouldBe([full.Id, incremental.Id]);
        report.Sites.ShouldBe(4);
        report.Import.PurgedTenantsSkipped.ShouldBe([erased.Id.Tenant], "the full backup still holds its data; the erasure after it stands");
        report.BlobsCopied.ShouldBe(1);
        (await DumpAsync(empty.ConnectionString)).ShouldBe(before);
        var restored = await env.OpenAsync(target);
        (await restored.Sites.ListAsync()).ShouldBe(sitesBefore);
        (await restored.Identity.UsersAsync(acme.Id)).Single().ShouldBe((await restored.Identity.UsersAsync(acme.Id)).Single() with { Id = user.Id, Active = false });
        (await restored.Store.Blobs.ReadAllBytesAsync(acme.Id.Tenant, "tracker.attachments", "logo")).ShouldBe(Encoding.UTF8.GetBytes("acme logo"));
        (await restored.Contacts.OfSiteAsync(acme.Id)).Single().Name.ShouldBe("Ann");
        (await restored.Store.Tenants.GetAsync(gone.Id.Tenant)).State.ShouldBe(TenantState.Deleted);
        var next = await restored.Store.Records.PutAsync(late.Id.Tenant, Issues, "u-2", new { title = "after the restore", status = "open" });
        next.Position.ShouldBeGreaterThan(incremental.UpToPosition);
        (await restored.Store.Tenants.GetAsync(erased.Id.Tenant)).State.ShouldBe(TenantState.Purged);
        (await restored.Sites.CreateAsync("Pied Piper", "eu-west")).Id.ShouldNotBe(late.Id);
    }

    [Fact]
    public async Task RestoreAll_NeverHandsOutAgain_TheAuditIdsTheSourceUsedAfterItsLastBackup()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var p = env.Platform;
        await p.Sites.CreateAsync("Acme", "eu-west");
        await env.Backups.FullAsync();
        // The source goes on after its last backup: audited work no backup holds, whose IDs may be quoted elsewhere.
        for (var i = 0; i < 3; i++)
        {
            await p.Audit.WriteAsync("after-the-backup", "test.step", null, [], new { i }, TestContext.Current.CancellationToken);
            await BackupEnvironment.ExecuteAsync(env.Database.ConnectionString,
                "INSERT INTO lifeboat.audit (at, actor, action, tenant_id, details) VALUES (clock_timestamp(), 'test', 'after-the-backup', NULL, '{}')");
        }

        var sourcePlatformMax = long.Parse((await BackupEnvironment.DumpAsync(env.Database.ConnectionString, "SELECT max(audit_id)::text FROM platform.audit_log")).Single(),
            System.Globalization.CultureInfo.InvariantCulture);
        var sourceStoreMax = long.Parse((await BackupEnvironment.DumpAsync(env.Database.ConnectionString, "SELECT max(audit_id)::text FROM lifeboat.audit")).Single(),
            System.Globalization.CultureInfo.InvariantCulture);
        var empty = await env.EmptyDatabaseAsync();
        var target = env.Options(empty, "restored-blobs");

        await new BackupDirectory(env.BackupFolder, env.Keys, env.Clock).RestoreEnvironmentAsync(target, cancellationToken: TestContext.Current.CancellationToken);

        var restored = await env.OpenAsync(target);
        await restored.Audit.WriteAsync("after-the-restore", "test.step", null, [], new { }, TestContext.Current.CancellationToken);
        var restoredPlatform = await BackupEnvironment.DumpAsync(empty.ConnectionString, "SELECT audit_id::text FROM platform.audit_log WHERE subject <> 'after-the-backup' ORDER BY audit_id DESC LIMIT 2");
        var restoredStore = await BackupEnvironment.DumpAsync(empty.ConnectionString,
            "INSERT INTO lifeboat.audit (at, actor, action, tenant_id, details) VALUES (clock_timestamp(), 'test', 'after-the-restore', NULL, '{}') RETURNING audit_id::text");
        (await BackupEnvironment.DumpAsync(empty.ConnectionString, "SELECT count(*)::text FROM platform.audit_log WHERE subject = 'after-the-backup'")).Single()
            .ShouldBe("0", "the rows written after the backup are not in it");
        foreach (var id in restoredPlatform)
        {
            long.Parse(id, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(sourcePlatformMax, "the restore's own audit row and the next one come above every ID the source handed out");
        }

        long.Parse(restoredStore.Single(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(sourceStoreMax);
    }

    [Fact]
    public async Task RestoreAll_OfABackupFromANewerLifeboat_IsRefused_AndCreatesNothing_NotEvenTheBlobFolder()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        await env.Platform.Sites.CreateAsync("Acme", "eu-west");
        await BackupEnvironment.ExecuteAsync(env.Database.OwnerConnectionString,
            "INSERT INTO lifeboat.schema_migrations (module, version, name) VALUES ('store', 99, '0099_from_a_later_lifeboat.sql')");
        await env.Backups.FullAsync();
        var empty = await env.EmptyDatabaseAsync();
        var target = env.Options(empty, "restored-blobs");

        var refused = await Should.ThrowAsync<PlatformException>(() => new BackupDirectory(env.BackupFolder, env.Keys, env.Clock).RestoreEnvironmentAsync(target));

        refused.Message.ShouldContain("was taken from a newer Lifeboat (store schema 99; this one has");
        refused.Message.ShouldContain("Nothing was created");
        Directory.Exists(target.Store.BlobDirectory).ShouldBeFalse("a refusal creates nothing, not even the blob folder");
        (await BackupEnvironment.DumpAsync(empty.ConnectionString,
            "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema IN ('lifeboat', 'platform')")).ShouldBeEmpty("no schema was migrated");
    }

    [Fact]
    public async Task RestoreSite_ToATime_BringsBackTheVersionsCommittedAtOrBeforeIt()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var p = env.Platform;
        var site = await p.Sites.CreateAsync("Acme", "eu-west");
        await p.Store.Records.PutAsync(site.Id.Tenant, Issues, "iss-1", new { title = "v1", status = "open" });
        await env.Backups.FullAsync();
        var v2 = await p.Store.Records.PutAsync(site.Id.Tenant, Issues, "iss-1", new { title = "v2", status = "open" });
        await env.Backups.IncrementalAsync();
        await p.Store.Records.PutAsync(site.Id.Tenant, Issues, "iss-1", new { title = "v3", status = "open" });
        await env.Backups.IncrementalAsync();

        var v2Committed = RecoveryPoint.AtTime((await p.Store.Restores.CommittedAtAsync(v2.Position))!.Value);
        var report = await env.Backups.RestoreSiteAsync(site.Id, v2Committed);

        report.BackupsUsed.Count.ShouldBe(2);
        (await p.Store.Records.GetAsync(site.Id.Tenant, "tracker.issues", "iss-1"))!.Document!.Value.GetProperty("title").GetString().ShouldBe("v2");
        (await p.Store.Restores.GetAsync(report.Restore.RestoreId))!.Point.ShouldBe(v2Committed);
    }

    [Fact]
    public async Task Restore_FromAChainWithAnAlteredFile_IsRefusedNamingTheFile_AndAnOlderChainIsUsedOnlyWhenAsked()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var p = env.Platform;
        var site = await p.Sites.CreateAsync("Acme", "eu-west");
        var point = (await p.Store.Records.PutAsync(site.Id.Tenant, Issues, "iss-1", new { title = "v1", status = "open" })).Position;
        var older = await env.Backups.FullAsync(site.Id);
        await p.Store.Records.PutAsync(site.Id.Tenant, Issues, "iss-1", new { title = "v2", status = "open" });
        var newer = await env.Backups.FullAsync(site.Id);
        await env.Backups.IncrementalAsync(site.Id);
        await p.Store.Records.PutAsync(site.Id.Tenant, Issues, "iss-1", new { title = "v3, a mistake", status = "open" });
        var altered = env.PathOf(newer, "versions.ndjson.gz");
        BackupEnvironment.Alter(altered);
        var live = await VersionsAsync(env.Database.ConnectionString, site.Id);

        var e = await Should.ThrowAsync<BackupIntegrityException>(() => env.Backups.RestoreSiteAsync(site.Id, RecoveryPoint.AtPosition(point)));

        e.Message.ShouldContain(altered);
        e.Message.ShouldContain("altered");
        e.Message.ShouldContain("--allow-older-chain");
        e.Problems.Single().Path.ShouldBe(altered);
        (await VersionsAsync(env.Database.ConnectionString, site.Id)).ShouldBe(live, "nothing was changed");

        var report = await env.Backups.RestoreSiteAsync(site.Id, RecoveryPoint.AtPosition(point), allowOlderChain: true);

        report.Chain.ShouldBe(older.Id);
        report.Point.ShouldBe(RecoveryPoint.AtPosition(point));
        report.SkippedChains.Single().Chain.ShouldBe(newer.Id);
        report.SkippedChains.Single().Problems.Single().Path.ShouldBe(altered);
        (await p.Store.Records.GetAsync(site.Id.Tenant, "tracker.issues", "iss-1"))!.Document!.Value.GetProperty("title").GetString().ShouldBe("v1");
        report.Restore.Records.ShouldBe(1);
    }

    [Fact]
    public async Task Restore_FromAChainWithAMissingFile_IsRefusedNamingIt_AndVerifyNamesEveryMissingOrAlteredFile()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var p = env.Platform;
        var site = await p.Sites.CreateAsync("Acme", "eu-west");
        await p.Store.Blobs.PutAsync(site.Id.Tenant, Attachments, "logo", Bytes("logo"));
        var full = await env.Backups.FullAsync();
        var middle = await env.Backups.IncrementalAsync();
        var point = (await p.Store.Records.PutAsync(site.Id.Tenant, Issues, "iss-1", new { title = "v1", status = "open" })).Position;
        var last = await env.Backups.IncrementalAsync();
        (await env.Backups.VerifyAsync()).Intact.ShouldBeTrue();
        var blob = env.PathOf(full, full.Files.Single(f => f.Name.StartsWith("blobs/", StringComparison.Ordinal)).Name);
        var manifest = env.PathOf(middle, BackupManifest.FileName);
        var altered = env.PathOf(last, "store.ndjson.gz");
        BackupEnvironment.Remove(blob);

        var e = await Should.ThrowAsync<BackupIntegrityException>(() => env.Backups.RestoreSiteAsync(site.Id, RecoveryPoint.AtPosition(point)));

        e.Message.ShouldContain($"{blob}: missing");
        e.Message.ShouldContain("No older chain exists");
        BackupEnvironment.Remove(manifest);
        BackupEnvironment.Alter(altered);
        var verification = await env.Backups.VerifyAsync();
        verification.Intact.ShouldBeFalse();
        verification.Problems.Select(x => x.Path).ShouldBe([manifest, blob, altered], ignoreOrder: true);
        verification.Problems.Single(x => x.Path == altered).Problem.ShouldStartWith("altered");
        (await env.Backups.VerifyAsync(last.Id)).Problems.Select(x => x.Path).ShouldBe([manifest, blob, altered], ignoreOrder: true);
        (await Should.ThrowAsync<BackupIntegrityException>(() => env.Backups.VerifyAsync(middle.Id))).Message.ShouldContain(manifest);
        (await Should.ThrowAsync<PlatformException>(() => env.Backups.VerifyAsync(BackupId.Parse("bak_01jd8x2k9q4m7t6v5w3y1z0a8b")))).Kind.ShouldBe(PlatformErrorKind.NotFound);
    }

    [Fact]
    public async Task AChainMissingABackupInItsMiddle_ListsTheGap_AndRestoresExactlyWhatTheListingSays()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var site = await env.Platform.Sites.CreateAsync("Acme", "eu-west");
        var chain = await TakeChainAsync(env, site.Id, 5);
        var (full, kept, missing, after, last) = (chain[0], chain[1], chain[2], chain[3], chain[4]);
        BackupFolders.Remove(Path.Combine(env.BackupFolder, missing.Id.Value));

        var listed = (await env.Backups.ListAsync()).Chains.Single();

        var gap = listed.Gaps.Single();
        gap.Backup.ShouldBe(missing.Id);
        gap.Kind.ShouldBe(BackupGapKind.Missing);
        gap.Describe().ShouldBe("its folder is gone");
        gap.Unrestorable.ShouldBe([after.Id, last.Id]);
        (gap.AfterPosition, gap.UpToPosition).ShouldBe((kept.UpToPosition, missing.UpToPosition));
        listed.LastRestorable!.Id.ShouldBe(kept.Id);
        listed.Problems.Select(p => p.Backup).ShouldBe([after.Id, last.Id]);
        listed.Problems.ShouldAllBe(p => p.Problem.Contains($"depends on missing backup {missing.Id}") && !p.Problem.Contains("fork"));
        var refused = await Should.ThrowAsync<BackupIntegrityException>(() => env.Backups.RestoreSiteAsync(site.Id, RecoveryPoint.AtPosition(after.UpToPosition)));
        refused.Message.ShouldContain($"it breaks at missing backup {missing.Id} (its folder is gone), and {after.Id}, {last.Id} depend on it");
        refused.Message.ShouldContain($"Points up to position {kept.UpToPosition} ({kept.Id}) can still be restored");
        (await env.Backups.RestoreSiteAsync(site.Id, RecoveryPoint.AtPosition(kept.UpToPosition))).BackupsUsed.ShouldBe([full.Id, kept.Id]);
        (await Should.ThrowAsync<PlatformException>(() => env.Backups.IncrementalAsync(site.Id))).Message.ShouldContain("Take a full backup");
    }

    [Fact]
    public async Task AGarbageManifest_IsReportedAsThatBackupsDamage_WithItsLine_AndTheLaterBackupsDependOnIt()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var site = await env.Platform.Sites.CreateAsync("Acme", "eu-west");
        var chain = await TakeChainAsync(env, site.Id, 4);
        var damaged = chain[1].Id;
        var manifest = Path.Combine(env.BackupFolder, damaged.Value, BackupManifest.FileName);
        File.SetUnixFileMode(Path.GetDirectoryName(manifest)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(manifest, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(manifest, "{\n  \"format\": \"lifeboat-backup/2\",\n  \"id\": \"bak_01jd8x2k9q4m7t6v5w3y1z0a8b\"\n  \"kind\": \"Full\"\n}");

        var listing = await env.Backups.ListAsync();

        listing.Unreadable.Single().Problem.ShouldBe($"altered: manifest of {damaged} is not valid JSON at line 4, byte 3");
        var gap = listing.Chains.Single().Gaps.Single();
        (gap.Backup, gap.Kind).ShouldBe((damaged, BackupGapKind.Damaged));
        gap.Unrestorable.ShouldBe([chain[2].Id, chain[3].Id]);
        listing.Chains.Single().Problems.ShouldAllBe(p => p.Problem.StartsWith($"unrestorable: ", StringComparison.Ordinal) && p.Problem.Contains($"depends on damaged backup {damaged}"));
    }

    [Fact]
    public async Task ABackupThatTrulyForksTheChain_IsTheOnlyOneCalledAFork()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var site = await env.Platform.Sites.CreateAsync("Acme", "eu-west");
        var chain = await TakeChainAsync(env, site.Id, 3);
        // A copy of the second backup under another ID: it follows the full backup, which the second already follows.
        var fork = BackupId.Parse("bak_01jd8x2k9q4m7t6v5w3y1z0a8b");
        var folder = Path.Combine(env.BackupFolder, fork.Value);
        Directory.CreateDirectory(folder);
        foreach (var file in chain[1].Files.Where(f => !f.Name.Contains('/', StringComparison.Ordinal)))
        {
            File.Copy(env.PathOf(chain[1], file.Name), Path.Combine(folder, file.Name));
        }

        await File.WriteAllBytesAsync(Path.Combine(folder, BackupManifest.FileName), (chain[1] with
        {
            Id = fork,
            CreatedAt = chain[1].CreatedAt + TimeSpan.FromSeconds(1),
            Files = [.. chain[1].Files.Where(f => !f.Name.Contains('/', StringComparison.Ordinal))],
        }).Seal(env.Keys).Bytes);

        var listed = (await env.Backups.ListAsync()).Chains.Single();

        var gap = listed.Gaps.Single();
        (gap.Backup, gap.Kind).ShouldBe((fork, BackupGapKind.Fork));
        gap.Describe().ShouldBe($"backup {fork} forks the chain: another backup already follows {chain[0].Id}");
        listed.Problems.Single().Backup.ShouldBe(fork);
        listed.LastRestorable!.Id.ShouldBe(chain[2].Id, "the chain the links follow is whole");
    }

    [Fact]
    public async Task BackupFiles_AreReadOnly_HashedInTheManifest_AndNeverOverwrittenByLaterBackups()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var site = await env.Platform.Sites.CreateAsync("Acme", "eu-west");
        await env.Platform.Store.Blobs.PutAsync(site.Id.Tenant, Attachments, "logo", Bytes("logo"));
        var full = await env.Backups.FullAsync();
        var folder = Path.Combine(env.BackupFolder, full.Id.Value);
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => f, f => (File.ReadAllBytes(f), File.GetLastWriteTimeUtc(f)));

        await env.Backups.IncrementalAsync();
        await env.Backups.FullAsync();

        full.Files.Select(f => f.Name).ShouldBe(["store.ndjson.gz", "platform.ndjson.gz", "versions.ndjson.gz", $"blobs/{Sha(Encoding.UTF8.GetBytes("logo"))}.gz"]);
        foreach (var file in full.Files)
        {
            var path = env.PathOf(full, file.Name);
            Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))).ShouldBe(file.Sha256);
            File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead, $"{path}: read-only, and for the owner alone");
        }

        (File.GetUnixFileMode(folder) & UnixFileMode.UserWrite).ShouldBe((UnixFileMode)0, "nothing can be added to a finished backup");
        foreach (var inside in Directory.EnumerateDirectories(env.BackupFolder, "*", SearchOption.AllDirectories).Append(env.BackupFolder))
        {
            (File.GetUnixFileMode(inside) & OthersAndGroup).ShouldBe((UnixFileMode)0, inside);
        }
        foreach (var (path, (bytes, written)) in files)
        {
            File.ReadAllBytes(path).ShouldBe(bytes);
            File.GetLastWriteTimeUtc(path).ShouldBe(written);
        }

        Should.Throw<PlatformException>(() => BackupWriter.Create(env.BackupFolder, full.Id, env.Keys)).Message.ShouldContain("never overwritten");
    }

    [Fact]
    public async Task BadRequests_AreRefusedClearly_AndChangeNothing()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var site = await env.Platform.Sites.CreateAsync("Acme", "eu-west");

        (await Should.ThrowAsync<PlatformException>(() => env.Backups.IncrementalAsync(site.Id))).Message.ShouldContain("no full backup of site");
        (await Should.ThrowAsync<PlatformException>(() => env.Backups.RestoreSiteAsync(site.Id, RecoveryPoint.AtPosition(1))))
            .Kind.ShouldBe(PlatformErrorKind.NotFound);
        var full = await env.Backups.FullAsync(site.Id);
        var after = await env.Platform.Store.Records.PutAsync(site.Id.Tenant, Issues, "iss-1", new { title = "after the backup", status = "open" });
        var notCovered = await Should.ThrowAsync<PlatformException>(() => env.Backups.RestoreSiteAsync(site.Id, RecoveryPoint.AtPosition(after.Position)));
        notCovered.Kind.ShouldBe(PlatformErrorKind.Invalid);
        notCovered.Message.ShouldContain($"no backup chain of site {site.Id} covers position:{after.Position}");
        notCovered.Message.ShouldContain($"{full.Id}: from");
        (await env.Platform.Store.Records.GetAsync(site.Id.Tenant, "tracker.issues", "iss-1")).ShouldNotBeNull();
        (await Should.ThrowAsync<PlatformException>(() => env.Backups.FullAsync(SiteId.Parse("site_01jd8x2k9q4m7t6v5w3y1z0a8b")))).Kind.ShouldBe(PlatformErrorKind.NotFound);
        (await Should.ThrowAsync<PlatformException>(() => env.Backups.Directory.RestoreEnvironmentAsync(env.Options(env.Database, "blobs"))))
            .Message.ShouldContain("there is no backup of the environment");
        await env.Backups.FullAsync();
        (await Should.ThrowAsync<PlatformException>(() => env.Backups.Directory.RestoreEnvironmentAsync(env.Options(env.Database, "blobs"))))
            .Message.ShouldContain("the target database is not empty");
        var missing = new NpgsqlConnectionStringBuilder(env.Database.ConnectionString) { Database = "no_such_database" }.ConnectionString;
        (await Should.ThrowAsync<PlatformException>(() => env.Backups.Directory.RestoreEnvironmentAsync(env.Options(missing, "blobs"))))
            .Message.ShouldContain("cannot open the target database");
    }

    [Fact]
    public async Task Retention_RemovesAChainOnlyWhenAllOfItIsOlderThanTheWindow_AndANewerIntactFullExists()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var acme = await env.Platform.Sites.CreateAsync("Acme", "eu-west");
        var globex = await env.Platform.Sites.CreateAsync("Globex", "eu-west");
        var oldFull = await env.Backups.FullAsync(acme.Id);
        env.Clock.Advance(TimeSpan.FromDays(1));
        var oldIncremental = await env.Backups.IncrementalAsync(acme.Id);
        var onlyEnvironmentChain = await env.Backups.FullAsync();
        var globexOld = await env.Backups.FullAsync(globex.Id);
        env.Clock.Advance(TimeSpan.FromDays(35));
        (await Should.ThrowAsync<PlatformException>(() => env.Backups.IncrementalAsync(acme.Id))).Message.ShouldContain("older than the store's retention window");
        var newFull = await env.Backups.FullAsync(acme.Id);
        var globexNew = await env.Backups.FullAsync(globex.Id);
        BackupEnvironment.Alter(env.PathOf(globexNew, "versions.ndjson.gz"));

        var report = await env.Backups.ApplyRetentionAsync();

        report.Removed.ShouldBe([oldIncremental.Id, oldFull.Id], "newest first, so an interrupted removal leaves a shorter chain");
        Directory.Exists(Path.Combine(env.BackupFolder, oldFull.Id.Value)).ShouldBeFalse();
        var left = (await env.Backups.ListAsync()).Backups.Select(b => b.Id).ToList();
        left.ShouldContain(newFull.Id);
        left.ShouldContain(onlyEnvironmentChain.Id, "the only environment chain stays, however old");
        left.ShouldContain(globexOld.Id, "the newer full backup of Globex is damaged");
        report.Notes.ShouldContain(n => n.Contains(globexNew.Id.Value, StringComparison.Ordinal) && n.Contains("damaged", StringComparison.Ordinal));
        (await env.Platform.Audit.OfAsync("backups")).Single().Step.ShouldBe("backup.retention");
    }

    [Fact]
    public async Task Rpo_ReportsTheWorstGapBetweenBackups_AndTheAgeOfTheNewest()
    {
        await using var env = await BackupEnvironment.CreateAsync();
        var site = await env.Platform.Sites.CreateAsync("Acme", "eu-west");
        var t0 = env.Clock.Freeze();
        await env.Backups.FullAsync();
        env.Clock.Advance(TimeSpan.FromHours(1));
        await env.Backups.IncrementalAsync();
        env.Clock.Advance(TimeSpan.FromHours(3));
        await env.Backups.IncrementalAsync();
        env.Clock.Advance(TimeSpan.FromMinutes(30));
        await env.Backups.FullAsync(site.Id);
        env.Clock.Advance(TimeSpan.FromMinutes(30));

        var report = await env.Backups.RpoAsync();

        var environment = report.Lines.Single(l => l.Scope == "environment");
        environment.Backups.ShouldBe(3);
        environment.WorstGap.ShouldBe(TimeSpan.FromHours(3));
        environment.WorstGapEndedAt.ShouldBe(t0 + TimeSpan.FromHours(4));
        environment.NewestAge.ShouldBe(TimeSpan.FromHours(1));
        environment.Rpo.ShouldBe(TimeSpan.FromHours(3));
        var ofSite = report.Lines.Single(l => l.Scope == site.Id.Value);
        ofSite.Backups.ShouldBe(4, "environment backups cover the site too");
        ofSite.NewestAge.ShouldBe(TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task EveryTableOfTheDatabase_IsCarriedByAnEnvironmentBackup()
    {
        await using var env = await BackupEnvironment.CreateAsync();

        var tables = await BackupEnvironment.DumpAsync(env.Database.ConnectionString,
            "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema IN ('lifeboat', 'platform') AND table_type = 'BASE TABLE'");

        // lifeboat.settings is not carried: its one row is what the restored environment's own options say when it opens.
        var carried = PlatformTables.All.Concat(StoreBackups.StoreTables).Select(t => t.Name)
            .Concat(["lifeboat.tenants", "lifeboat.tenant_history", "lifeboat.commits", "lifeboat.records", "lifeboat.record_history", "lifeboat.schema_migrations", "lifeboat.settings"]);
        tables.ShouldBe(carried, ignoreOrder: true);
    }

    /// <summary>A full backup of the site and incrementals after it, each with a version of its own.</summary>
    private static async Task<List<BackupManifest>> TakeChainAsync(BackupEnvironment env, SiteId site, int backups)
    {
        var chain = new List<BackupManifest>();
        for (var i = 0; i < backups; i++)
        {
            await env.Platform.Store.Records.PutAsync(site.Tenant, Issues, "iss-1", new { title = $"v{i}", status = "open" });
            chain.Add(i == 0 ? await env.Backups.FullAsync(site) : await env.Backups.IncrementalAsync(site));
        }

        return chain;
    }

    private static MemoryStream Bytes(string text) => new(Encoding.UTF8.GetBytes(text));

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static (string, string, string?) Content(StoredRecord r) => (r.Collection, r.Id, r.Document?.GetRawText());

    private static Task<List<string>> VersionsAsync(string connectionString, SiteId site) =>
        BackupEnvironment.DumpAsync(connectionString, $"""
            SELECT concat_ws('|', kind, collection, record_id, position, doc::text) FROM (
                SELECT 'current' AS kind, * FROM lifeboat.records WHERE tenant_id = '{site}'
                UNION ALL SELECT 'history', * FROM lifeboat.record_history WHERE tenant_id = '{site}') v
            ORDER BY collection, record_id, position
            """);

    /// <summary>Everything an environment restore must bring back, as text (the audit log goes on after the backup, so it is left out).</summary>
    private static async Task<List<string>> DumpAsync(string connectionString)
    {
        var rows = await BackupEnvironment.DumpAsync(connectionString, """
            SELECT concat_ws('|', kind, tenant_id, collection, record_id, position, stamp, actor, deleted, doc::text, ix1, ix2, ix3, encode(blob_sha256, 'hex'), blob_size) FROM (
                SELECT 'current' AS kind, * FROM lifeboat.records UNION ALL SELECT 'history', * FROM lifeboat.record_history) v
            ORDER BY tenant_id, collection, record_id, position
            """);
        foreach (var table in new[] { "lifeboat.tenants", "lifeboat.tenant_history", "lifeboat.collections", "platform.site_directory", "platform.id_directory",
                     "platform.products", "platform.apps", "platform.outbox" })
        {
            // A tenant's fence is where its last change stands for writers in flight, not data: the restored one starts at its state's position.
            rows.AddRange(await BackupEnvironment.DumpAsync(connectionString, $"SELECT '{table}|' || (to_jsonb(t) - 'fence_position')::text FROM {table} t ORDER BY 1"));
        }

        return rows;
    }

    /// <summary>The site's rows vanish from the live database (removed by its owner, past the guard as the removal functions pass it), blob files too.</summary>
    private static async Task LoseSiteAsync(BackupEnvironment env, SiteId site)
    {
        var blobs = await BackupEnvironment.DumpAsync(env.Database.ConnectionString, $"""
            SELECT DISTINCT encode(blob_sha256, 'hex') FROM (SELECT blob_sha256 FROM lifeboat.records WHERE tenant_id = '{site}'
                UNION ALL SELECT blob_sha256 FROM lifeboat.record_history WHERE tenant_id = '{site}') v WHERE blob_sha256 IS NOT NULL
            """);
        await BackupEnvironment.ExecuteAsync(env.Database.OwnerConnectionString, $"""
            SELECT set_config('lifeboat.removal', 'retention', true);
            DELETE FROM lifeboat.records WHERE tenant_id = '{site}';
            DELETE FROM lifeboat.record_history WHERE tenant_id = '{site}';
            DELETE FROM lifeboat.tenant_history WHERE tenant_id = '{site}';
            DELETE FROM lifeboat.tenants WHERE tenant_id = '{site}';
            DELETE FROM platform.site_directory WHERE site_id = '{site}';
            DELETE FROM platform.id_directory WHERE site_id = '{site}';
            """);
        foreach (var sha in blobs)
        {
            foreach (var file in Directory.EnumerateFiles(env.Store.Options.BlobDirectory, sha, SearchOption.AllDirectories))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Reports progress on the reporting thread, at once (Progress&lt;T&gt; would post it elsewhere, later).</summary>
    private sealed class InlineProgress(Action<BackupProgress> report) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => report(value);
    }
}
