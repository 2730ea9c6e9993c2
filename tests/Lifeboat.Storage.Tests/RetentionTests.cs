using System.Text;
using Npgsql;

namespace Lifeboat.Storage.Tests;

public sealed class RetentionTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private TenantStore Store => fixture.Store;

    [Fact]
    public async Task Compaction_KeepsTheVersionVisibleAtTheWindowStart_SoEveryPointInsideStaysRestorable()
    {
        var t = await fixture.NewTenantAsync();
        var v1 = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("v1"));
        var v2 = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("v2"));
        // The database holds the window and its own clock, not the caller's: so the window is short
        // here, and really passes. It starts between v2 and v3.
        await Task.Delay(ShortWindow + TimeSpan.FromSeconds(1));
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("v3"));
        await using var later = await OpenWithWindowAsync(ShortWindow);

        var report = await later.Retention.RunAsync();

        report.VersionsCompacted.ShouldBeGreaterThanOrEqualTo(1);
        (await Store.Records.HistoryAsync(t, "tracker.issues", "a")).Select(v => v.Title()).ShouldBe(["v2", "v3"]);
        await later.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(v2.Position));
        (await Store.Records.GetAsync(t, "tracker.issues", "a"))!.Title().ShouldBe("v2");
        (await Should.ThrowAsync<RecoveryPointException>(() => later.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(v1.Position))))
            .Message.ShouldContain("outside the retention window");
    }

    [Fact]
    public async Task ATenantDeletedLongerThanTheWindow_IsPurged_WithTheBlobBytesOnlyItReferred()
    {
        var gone = await fixture.NewTenantAsync("gone");
        var kept = await fixture.NewTenantAsync("kept");
        var shared = Encoding.UTF8.GetBytes("the same logo in both tenants " + gone);
        var own = Encoding.UTF8.GetBytes("only in the purged tenant " + gone);
        await Store.Blobs.PutAsync(gone, Docs.Attachments, "logo", new MemoryStream(shared));
        await Store.Blobs.PutAsync(kept, Docs.Attachments, "logo", new MemoryStream(shared));
        await Store.Blobs.PutAsync(gone, Docs.Attachments, "own", new MemoryStream(own));
        var ownSha = (await Store.Records.GetAsync(gone, "tracker.attachments", "own"))!.Blob!.Sha256;
        await Store.Tenants.DeleteAsync(gone, "customer left");
        await Task.Delay(ShortWindow + TimeSpan.FromSeconds(1));
        // The database purges by its own clock; the store's clock, a day ahead, is what lets the blob file's grace period pass.
        await using var later = await OpenWithWindowAsync(ShortWindow, ahead: TimeSpan.FromDays(1));

        var report = await later.Retention.RunAsync();

        report.TenantsPurged.ShouldContain(gone);
        report.TenantsPurged.ShouldNotContain(kept);
        (await Store.Tenants.GetAsync(gone)).State.ShouldBe(TenantState.Purged);
        File.Exists(Path.Combine(fixture.BlobDirectory, "sha256", ownSha[..2], ownSha[2..4], ownSha)).ShouldBeFalse("set aside by the run that purged its tenant");
        await using (var graceLater = await OpenWithWindowAsync(ShortWindow, ahead: TimeSpan.FromDays(1) + TimeSpan.FromHours(2)))
        {
            (await graceLater.Retention.RunAsync()).BlobFilesRemoved.ShouldBeGreaterThanOrEqualTo(1);
        }

        Directory.EnumerateFiles(fixture.BlobDirectory, ownSha, SearchOption.AllDirectories).ShouldBeEmpty("removed a grace period later");
        (await Store.Blobs.ReadAllBytesAsync(kept, "tracker.attachments", "logo")).ShouldBe(shared);
        var created = (await Store.Tenants.GetAsync(gone)).CreatedPosition;
        (await Should.ThrowAsync<TenantStateException>(() => later.Restores.RestoreAsync(gone, RecoveryPoint.AtPosition(created))))
            .Message.ShouldContain("is Purged");
        (await Should.ThrowAsync<TenantAlreadyExistsException>(() => Store.Tenants.CreateAsync(gone))).Message.ShouldContain("IDs are never reused");
        await AssertAuditedAsync("tenant.purged", gone);
    }

    [Fact]
    public async Task ATenantDeletedInsideTheWindow_IsNotPurged()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a"));
        await Store.Tenants.DeleteAsync(t, "recent");
        await using var later = await OpenWithWindowAsync(TimeSpan.FromHours(1));

        var report = await later.Retention.RunAsync();

        report.TenantsPurged.ShouldNotContain(t);
        await Store.Tenants.UndeleteAsync(t, "came back");
        (await Store.Records.GetAsync(t, "tracker.issues", "a")).ShouldNotBeNull();
    }

    [Fact]
    public async Task Erase_WithoutApproval_OrApprovedByTheRequester_IsRefused_AndNothingIsRemoved()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("personal data"));
        var request = await Store.WithActor("alice").Erasures.RequestAsync(t, "GDPR art. 17 request #991");

        (await Should.ThrowAsync<ErasureException>(() => Store.WithActor("alice").Erasures.ExecuteAsync(request.Id)))
            .Message.ShouldContain("has no approval: a second person (not alice) must approve it");
        (await Should.ThrowAsync<ErasureException>(() => Store.WithActor("alice").Erasures.ApproveAsync(request.Id)))
            .Message.ShouldContain("alice requested erasure");
        (await Store.Records.GetAsync(t, "tracker.issues", "a")).ShouldNotBeNull();
    }

    [Theory]
    [InlineData("Alice")]
    [InlineData("alice ")]
    [InlineData(" ALICE\t")]
    [InlineData("ａｌｉｃｅ")] // full width: the same name in Unicode compatibility form (NFKC)
    public async Task Erase_ApprovedByTheRequesterSpelledOtherwise_IsRefused_AndNothingIsRemoved(string approver)
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("personal data"));
        var request = await Store.WithActor("alice").Erasures.RequestAsync(t, "GDPR art. 17 request #993");

        var refused = await Should.ThrowAsync<ErasureException>(() => Store.WithActor(approver).Erasures.ApproveAsync(request.Id));

        refused.Message.ShouldContain($"{approver} (the same person as alice");
        refused.Message.ShouldContain("requested erasure");
        (await Should.ThrowAsync<ErasureException>(() => Store.WithActor("alice").Erasures.ExecuteAsync(request.Id))).Message.ShouldContain("has no approval");
        (await Store.Erasures.GetAsync(request.Id)).ApprovedBy.ShouldBeNull();
        (await Store.Records.GetAsync(t, "tracker.issues", "a")).ShouldNotBeNull();
        (await Store.Tenants.GetAsync(t)).State.ShouldBe(TenantState.Active);
    }

    [Fact]
    public async Task TheDatabase_RefusesAnErasureApprovedByItsRequesterSpelledOtherwise_WhateverPathWritesIt()
    {
        var t = await fixture.NewTenantAsync();
        var request = await Store.WithActor("root").Erasures.RequestAsync(t, "GDPR art. 17 request #994");
        // As the owner: the application role may not update erasures at all (only lifeboat.approve_erasure does).
        await using var owner = new NpgsqlConnection(fixture.Database.OwnerConnectionString);
        await owner.OpenAsync();
        await using var cmd = new NpgsqlCommand("UPDATE lifeboat.erasures SET approved_by = $2, approved_at = now() WHERE erasure_id = $1", owner);
        cmd.Parameters.Add(new() { Value = request.Id.Value });
        cmd.Parameters.Add(new() { Value = "ＲＯＯＴ " });

        (await Should.ThrowAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync())).ConstraintName.ShouldBe("erasures_second_person");
    }

    [Theory]
    [InlineData("root", "ＲＯＯＴ ", true)]
    [InlineData("Dana", "\u00a0dana\n", true)]
    [InlineData("ﬁona", "fiona", true)] // the ligature ﬁ is "fi" in compatibility form
    [InlineData("root", "rooth", false)]
    [InlineData("dana", "d ana", false)]
    public async Task Principals_AreTheSame_WhenTheyDifferOnlyInCaseSurroundingSpaceOrUnicodeForm(string a, string b, bool same)
    {
        (await Store.Principals.SameAsync(a, b)).ShouldBe(same);
        (await Store.Principals.SameAsync(b, a)).ShouldBe(same);
    }

    [Fact]
    public async Task Erase_ApprovedByASecondPerson_RemovesTheTenantsData_AndLeavesAnAuditTrail()
    {
        var t = await fixture.NewTenantAsync();
        var point = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("personal data"));
        var request = await Store.WithActor("alice").Erasures.RequestAsync(t, "GDPR art. 17 request #992");
        await Store.WithActor("bob").Erasures.ApproveAsync(request.Id);

        var done = await Store.WithActor("carol").Erasures.ExecuteAsync(request.Id);

        done.ExecutedBy.ShouldBe("carol");
        (await Store.Tenants.GetAsync(t)).State.ShouldBe(TenantState.Purged);
        await using (var cmd = Store.DataSource.CreateCommand("SELECT (SELECT count(*) FROM lifeboat.records WHERE tenant_id = $1) + (SELECT count(*) FROM lifeboat.record_history WHERE tenant_id = $1)"))
        {
            cmd.Parameters.Add(new() { Value = t.Value });
            ((long)(await cmd.ExecuteScalarAsync())!).ShouldBe(0);
        }

        (await Should.ThrowAsync<TenantStateException>(() => Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position)))).State.ShouldBe(TenantState.Purged);
        await AssertAuditedAsync("erasure.requested", t);
        await AssertAuditedAsync("erasure.approved", t);
        await AssertAuditedAsync("erasure.executed", t);
        (await Should.ThrowAsync<ErasureException>(() => Store.WithActor("bob").Erasures.ExecuteAsync(request.Id))).Message.ShouldContain("already ran");
    }

    [Fact]
    public async Task TheAuditLog_IsAppendOnly()
    {
        await using var asApplication = Store.DataSource.CreateCommand("UPDATE lifeboat.audit SET actor = 'someone else'");
        await using var owner = new NpgsqlConnection(fixture.Database.OwnerConnectionString);
        await owner.OpenAsync();
        await using var asOwner = new NpgsqlCommand("UPDATE lifeboat.audit SET actor = 'someone else'", owner);

        (await Should.ThrowAsync<PostgresException>(() => asApplication.ExecuteNonQueryAsync())).SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
        (await Should.ThrowAsync<PostgresException>(() => asOwner.ExecuteNonQueryAsync())).MessageText.ShouldContain("append-only");
    }

    [Theory]
    [InlineData("site_123", "erasure IDs start with 'ers_'")]
    [InlineData("ers_short", "not a valid erasure ID")]
    public void ErasureId_OfAnotherKindOrMalformed_IsRefused(string value, string message)
    {
        Should.Throw<InvalidIdentifierException>(() => ErasureId.Parse(value)).Message.ShouldContain(message);
    }

    /// <summary>Long enough for a few writes on a loaded machine to stay inside it, short enough to wait out.</summary>
    private static readonly TimeSpan ShortWindow = TimeSpan.FromSeconds(3);

    /// <summary>A store that sets the database's retention window (as its owner) and runs on the real clock, as the database does.</summary>
    private async Task<TenantStore> OpenWithWindowAsync(TimeSpan window, TimeSpan? ahead = null)
    {
        var clock = new TestClock();
        clock.Pin(TimeProvider.System.GetUtcNow() + (ahead ?? TimeSpan.Zero));
        return await TenantStore.OpenAsync(new StoreOptions
        {
            ConnectionString = fixture.Database.ConnectionString,
            OwnerConnectionString = fixture.Database.OwnerConnectionString,
            BlobDirectory = fixture.BlobDirectory,
            RetentionWindow = window,
            TimeProvider = ahead is null ? TimeProvider.System : clock,
            Actor = "retention",
        });
    }

    private async Task AssertAuditedAsync(string action, TenantId tenant)
    {
        await using var cmd = Store.DataSource.CreateCommand("SELECT count(*) FROM lifeboat.audit WHERE action = $1 AND tenant_id = $2");
        cmd.Parameters.Add(new() { Value = action });
        cmd.Parameters.Add(new() { Value = tenant.Value });
        ((long)(await cmd.ExecuteScalarAsync())!).ShouldBe(1, $"one '{action}' audit record for {tenant}");
    }
}
