namespace Lifeboat.Storage.Tests;

public sealed class RestoreTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private TenantStore Store => fixture.Store;

    [Fact]
    public async Task Restore_AfterOverwritesDeletesAndNewRecords_MakesTheTenantEqualToItsStateAtThePoint()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a1", "open", "ann"));
        await Store.Records.PutAsync(t, Docs.Issues, "b", Docs.Issue("b1"));
        var point = await Store.Records.PutAsync(t, Docs.Pages, "p", Docs.Json(new { title = "page1" }));
        var before = await Store.Records.SnapshotAsync(t);

        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a2", "closed", "bob"));
        await Store.Records.DeleteAsync(t, "tracker.issues", "b");
        await Store.Records.PutAsync(t, Docs.Issues, "c", Docs.Issue("born after"));
        await Store.Records.DeleteAsync(t, "wiki.pages", "p");

        var result = await Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position));

        var after = await Store.Records.SnapshotAsync(t);
        after.Select(r => (r.Collection, r.Id, r.Document!.Value.GetRawText())).ShouldBe(before.Select(r => (r.Collection, r.Id, r.Document!.Value.GetRawText())));
        (await Store.Records.QueryAsync(t, Docs.Issues, "assignee", "ann")).Select(r => r.Id).ShouldBe(["a"], "index keys are restored with the content");
        result.Changes.ShouldBe([new CollectionChange("tracker.issues", 1, 1, 1, 0), new CollectionChange("wiki.pages", 0, 1, 0, 0)]);
        result.StateAfter.ShouldBe(TenantState.Active);
    }

    [Fact]
    public async Task Restore_NeverReadsOrWritesAnotherTenant()
    {
        var t = await fixture.NewTenantAsync();
        var neighbour = await fixture.NewTenantAsync();
        var point = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("mine"));
        await Store.Records.PutAsync(neighbour, Docs.Issues, "a", Docs.Issue("theirs, after the point"));
        await Store.Records.DeleteAsync(t, "tracker.issues", "a");
        var neighbourHistoryBefore = (await Store.Records.HistoryAsync(neighbour, "tracker.issues", "a")).Select(v => (v.Position, v.Title())).ToList();

        await Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position));

        (await Store.Records.GetAsync(t, "tracker.issues", "a"))!.Title().ShouldBe("mine");
        (await Store.Records.GetAsync(neighbour, "tracker.issues", "a"))!.Title().ShouldBe("theirs, after the point");
        (await Store.Records.HistoryAsync(neighbour, "tracker.issues", "a")).Select(v => (v.Position, v.Title())).ShouldBe(neighbourHistoryBefore);
    }

    [Fact]
    public async Task Restore_OfADeletedTenant_BringsItBackActiveWithTheSameIds()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "iss-42", Docs.Issue("keep my id"));
        var point = (await Store.Tenants.GetAsync(t)).StatePosition;
        var write = await Store.Records.PutAsync(t, Docs.Issues, "iss-43", Docs.Issue("also"));
        await Store.Tenants.DeleteAsync(t, "the 2022 script");

        var result = await Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(write.Position));

        result.StateBefore.ShouldBe(TenantState.Deleted);
        result.StateAfter.ShouldBe(TenantState.Active);
        result.Records.ShouldBe(0, "deleting a tenant changed no record, so none needs writing");
        (await Store.Records.ListAsync(t, "tracker.issues")).Select(r => r.Id).ShouldBe(["iss-42", "iss-43"]);
        point.ShouldBeLessThan(write.Position);
    }

    [Fact]
    public async Task Restore_CanBeUndone_ByRestoringToItsUndoPoint()
    {
        var t = await fixture.NewTenantAsync();
        var point = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("old"));
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("new"));
        await Store.Records.PutAsync(t, Docs.Issues, "b", Docs.Issue("newer"));
        var beforeRestore = await Store.Records.SnapshotAsync(t);

        var restore = await Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position));
        (await Store.Records.SnapshotAsync(t)).Select(r => r.Title()).ShouldBe(["old"]);

        await Store.Restores.RestoreAsync(t, restore.UndoPoint);

        (await Store.Records.SnapshotAsync(t)).Select(r => (r.Id, r.Title())).ShouldBe(beforeRestore.Select(r => (r.Id, r.Title())));
    }

    [Fact]
    public async Task Preview_ReportsWhatWouldChange_AndChangesNothing()
    {
        var t = await fixture.NewTenantAsync();
        await using (var bytes = new MemoryStream(new byte[1234]))
        {
            await Store.Blobs.PutAsync(t, Docs.Attachments, "att", bytes);
        }

        var point = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a"));
        await Store.Records.DeleteAsync(t, "tracker.attachments", "att");
        await Store.Records.DeleteAsync(t, "tracker.issues", "a");
        var before = await Store.Records.SnapshotAsync(t);

        var preview = await Store.Restores.PreviewAsync(t, RecoveryPoint.AtPosition(point.Position));

        preview.Changes.ShouldBe([new CollectionChange("tracker.attachments", 0, 1, 0, 1234), new CollectionChange("tracker.issues", 0, 1, 0, 0)]);
        preview.BlobBytes.ShouldBe(1234);
        (await Store.Records.SnapshotAsync(t)).Fingerprint().ShouldBe(before.Fingerprint());
        (await Store.Tenants.GetAsync(t)).State.ShouldBe(TenantState.Active);
    }

    [Fact]
    public async Task Restore_ToATime_EqualsRestoreToThePositionCommittedThen()
    {
        var t = await fixture.NewTenantAsync();
        var point = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("at the time"));
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("later"));

        await Store.Restores.RestoreAsync(t, RecoveryPoint.AtTime((await Store.Restores.CommittedAtAsync(point.Position))!.Value));

        (await Store.Records.GetAsync(t, "tracker.issues", "a"))!.Title().ShouldBe("at the time");
    }

    [Fact]
    public async Task Restore_ToAPointInTheFuture_IsRefusedAndChangesNothing()
    {
        var t = await fixture.NewTenantAsync();
        var w = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a"));

        (await Should.ThrowAsync<RecoveryPointException>(() => Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(w.Position + 1_000_000))))
            .Message.ShouldContain("is in the future: the latest commit position is");
        (await Should.ThrowAsync<RecoveryPointException>(() => Store.Restores.RestoreAsync(t, RecoveryPoint.AtTime(w.Stamp.AddHours(1)))))
            .Message.ShouldContain("is in the future: the database clock reads");
        (await Store.Tenants.GetAsync(t)).State.ShouldBe(TenantState.Active);
    }

    [Fact]
    public async Task Restore_ToBeforeTheTenantExisted_IsRefusedNamingItsCreation()
    {
        var early = await Store.Records.PutAsync(await fixture.NewTenantAsync(), Docs.Issues, "x", Docs.Issue("x"));
        var t = await fixture.NewTenantAsync();

        var e = await Should.ThrowAsync<RecoveryPointException>(() => Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(early.Position)));

        e.Message.ShouldContain($"tenant {t} did not exist yet at position:{early.Position}: it was created at position");
    }

    [Fact]
    public async Task Restore_ToBeforeTheRetentionWindow_IsRefusedNamingTheWindow()
    {
        var t = await fixture.NewTenantAsync();
        var w = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a"));
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("b"));
        var clock = new TestClock();
        clock.Advance(TimeSpan.FromDays(31));
        await using var store = await TenantStore.OpenAsync(new StoreOptions
        {
            ConnectionString = fixture.Database.ConnectionString,
            OwnerConnectionString = fixture.Database.OwnerConnectionString,
            BlobDirectory = fixture.BlobDirectory,
            TimeProvider = clock,
        });

        var e = await Should.ThrowAsync<RecoveryPointException>(() => store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(w.Position)));

        e.Message.ShouldContain("is outside the retention window of 30 days");
        e.Message.ShouldContain($"tenant {t} can be restored to");
        (await Should.ThrowAsync<RecoveryPointException>(() => store.Restores.RestoreAsync(t, RecoveryPoint.AtTime(w.Stamp))))
            .Message.ShouldContain("outside the retention window of 30 days");
        (await Store.Records.GetAsync(t, "tracker.issues", "a"))!.Title().ShouldBe("b");
    }

    [Fact]
    public async Task WritesDuringARestore_AreRefusedNamingRestoring_AndASecondRestoreFails()
    {
        var t = await fixture.NewTenantAsync();
        var point = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a"));
        var restore = await Store.Restores.BeginAsync(t, RecoveryPoint.AtPosition(point.Position));

        var write = await Should.ThrowAsync<TenantStateException>(() => Store.Records.PutAsync(t, Docs.Issues, "b", Docs.Issue("b")));
        write.State.ShouldBe(TenantState.Restoring);
        write.Message.ShouldContain($"is Restoring (restore {restore.RestoreId})");
        (await Store.Records.GetAsync(t, "tracker.issues", "a")).ShouldNotBeNull("a restoring tenant stays readable");

        var second = await Should.ThrowAsync<RestoreInProgressException>(() => Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position)));
        second.RestoreId.ShouldBe(restore.RestoreId);
        second.Message.ShouldContain($"is already being restored by {restore.RestoreId}");

        await restore.RestoreRecordsAsync(null);
        await restore.CompleteAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "b", Docs.Issue("b"));
    }

    [Fact]
    public async Task TwoRestoresOfOneTenantAtOnce_OneProceeds_TheOtherGetsAClearError()
    {
        var t = await fixture.NewTenantAsync();
        var point = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a"));
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("b"));

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            try
            {
                await Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position));
                return "restored";
            }
            catch (RestoreInProgressException)
            {
                return "refused";
            }
        }));

        outcomes.Order().ShouldBe(outcomes.Contains("refused") ? ["refused", "restored"] : ["restored", "restored"]);
        (await Store.Records.GetAsync(t, "tracker.issues", "a"))!.Title().ShouldBe("a");
    }

    [Fact]
    public async Task Resume_AnInterruptedRestore_FinishesIt()
    {
        var t = await fixture.NewTenantAsync();
        var point = await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a"));
        await Store.Records.PutAsync(t, Docs.Pages, "p", Docs.Json(new { title = "after" }));
        var first = await Store.Restores.BeginAsync(t, RecoveryPoint.AtPosition(point.Position));
        await first.RestoreRecordsAsync(["wiki.pages"]);
        // the process stops here; another one resumes with the restore's ID

        await using var other = await TenantStore.OpenAsync(fixture.Options());
        var resumed = await other.Restores.BeginAsync(t, RecoveryPoint.AtPosition(point.Position), first.RestoreId);
        (await resumed.RestoreRecordsAsync(null)).ShouldBeEmpty("the pages step already ran; nothing else differs");
        var result = await resumed.CompleteAsync();

        result.UndoPoint.ShouldBe(first.Info.UndoPoint);
        (await Store.Records.GetAsync(t, "wiki.pages", "p")).ShouldBeNull();
        (await Store.Tenants.GetAsync(t)).State.ShouldBe(TenantState.Active);
    }

    [Fact]
    public async Task Restore_WhenABlobFileIsMissing_IsRefusedAndChangesNothing()
    {
        var t = await fixture.NewTenantAsync();
        var content = new byte[] { 1, 2, 3, 4, 5, 99 };
        await using (var bytes = new MemoryStream(content))
        {
            await Store.Blobs.PutAsync(t, Docs.Attachments, "att", bytes);
        }

        var blob = (await Store.Records.GetAsync(t, "tracker.attachments", "att"))!.Blob!;
        var point = await Store.Records.PutAsync(t, Docs.Issues, "i", Docs.Issue("i"));
        await Store.Records.DeleteAsync(t, "tracker.attachments", "att");
        var path = Directory.EnumerateFiles(fixture.BlobDirectory, blob.Sha256, SearchOption.AllDirectories).Single();
        File.Move(path, path + ".away");

        var e = await Should.ThrowAsync<BlobIntegrityException>(() => Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position)));

        e.Message.ShouldContain("needs 1 blob file(s) that are missing");
        e.Message.ShouldContain("Nothing was changed");
        (await Store.Records.GetAsync(t, "tracker.attachments", "att")).ShouldBeNull();
        (await Store.Tenants.GetAsync(t)).State.ShouldBe(TenantState.Active, "a refused restore hands the tenant back");
        File.Move(path + ".away", path);
        await Store.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position));
        (await Store.Blobs.ReadAllBytesAsync(t, "tracker.attachments", "att")).ShouldBe(content);
    }

    [Fact]
    public async Task RestoringChosenRecords_LeavesEveryOtherRecordAndTheLifecycleAsTheyAre()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a1"));
        var point = await Store.Records.PutAsync(t, Docs.Issues, "b", Docs.Issue("b1"));
        await Store.Records.DeleteAsync(t, "tracker.issues", ["a", "b"]);
        await Store.Tenants.SuspendAsync(t, "billing");

        var restore = await Store.Restores.BeginAsync(t, RecoveryPoint.AtPosition(point.Position));
        var changes = await restore.RestoreRecordsAsync(["tracker.issues"], ["a"]);
        var result = await restore.CompleteAsync(includeLifecycle: false);

        changes.ShouldBe([new CollectionChange("tracker.issues", 0, 1, 0, 0)]);
        result.StateAfter.ShouldBe(TenantState.Suspended);
        (await Store.Records.ListAsync(t, "tracker.issues")).Select(r => r.Id).ShouldBe(["a"]);
    }

    [Fact]
    public async Task Digest_AtThePoint_EqualsTheDigestAfterARestore_AndDiffersBeforeIt()
    {
        var t = await fixture.NewTenantAsync();
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("a"));
        await Store.Blobs.PutAsync(t, Docs.Attachments, "f", new MemoryStream([1, 2, 3]));
        var point = RecoveryPoint.AtPosition((await Store.Records.PutAsync(t, Docs.Pages, "p", Docs.Json(new { title = "p" }))).Position);
        var atPoint = await Store.Records.DigestAsync(t, point);
        await Store.Records.PutAsync(t, Docs.Issues, "a", Docs.Issue("changed"));
        await Store.Records.DeleteAsync(t, "tracker.attachments", "f");

        (await Store.Records.DigestAsync(t)).ShouldNotBe(atPoint);
        await Store.Restores.RestoreAsync(t, point);

        (await Store.Records.DigestAsync(t)).ShouldBe(atPoint);
        atPoint.Select(d => (d.Collection, d.Records)).ShouldBe([("tracker.attachments", 1L), ("tracker.issues", 1L), ("wiki.pages", 1L)]);
    }

    [Fact]
    public async Task RestoringChosenRecords_InChunks_RestoresOnlyThoseRecords()
    {
        await using var chunked = await TenantStore.OpenAsync(SmallChunks(2));
        var t = await fixture.NewTenantAsync();
        var batch = chunked.Records.Batch(t);
        for (var i = 0; i < 8; i++)
        {
            batch.Put(Docs.Issues, $"i{i}", Docs.Issue($"issue {i}"));
        }

        var point = await chunked.Records.WriteAsync(batch);
        await chunked.Records.DeleteAsync(t, "tracker.issues", [.. Enumerable.Range(0, 8).Select(i => $"i{i}")]);

        var restore = await chunked.Restores.BeginAsync(t, RecoveryPoint.AtPosition(point.Position));
        var changes = await restore.RestoreRecordsAsync(["tracker.issues"], ["i1", "i4", "i7"]);
        await restore.CompleteAsync(includeLifecycle: false);

        changes.ShouldBe([new CollectionChange("tracker.issues", 0, 3, 0, 0)]);
        (await chunked.Records.ListAsync(t, "tracker.issues")).Select(r => r.Id).ShouldBe(["i1", "i4", "i7"]);
    }

    [Fact]
    public async Task Restore_InChunks_WalksEveryRecordOnce_AndTotalsTheChanges()
    {
        await using var chunked = await TenantStore.OpenAsync(SmallChunks(3));
        var t = await fixture.NewTenantAsync();
        var batch = chunked.Records.Batch(t);
        for (var i = 0; i < 10; i++)
        {
            batch.Put(Docs.Issues, $"i{i}", Docs.Issue($"issue {i}"));
            batch.Put(Docs.Pages, $"p{i}", Docs.Json(new { title = $"page {i}" }));
        }

        var point = await chunked.Records.WriteAsync(batch);
        var before = await chunked.Records.SnapshotAsync(t);
        var damage = chunked.Records.Batch(t);
        for (var i = 0; i < 10; i++)
        {
            if (i % 2 == 0)
            {
                damage.Delete("tracker.issues", $"i{i}");
            }
            else
            {
                damage.Put(Docs.Issues, $"i{i}", Docs.Issue($"overwritten {i}"));
            }

            damage.Put(Docs.Pages, $"new{i}", Docs.Json(new { title = "born after the point" }));
        }

        await chunked.Records.WriteAsync(damage);

        var result = await chunked.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position));

        result.Changes.ShouldBe([new CollectionChange("tracker.issues", 5, 5, 0, 0), new CollectionChange("wiki.pages", 0, 0, 10, 0)]);
        (await chunked.Records.SnapshotAsync(t)).Select(r => (r.Collection, r.Id, r.Document!.Value.GetRawText()))
            .ShouldBe(before.Select(r => (r.Collection, r.Id, r.Document!.Value.GetRawText())));
        (await chunked.Records.HistoryAsync(t, "tracker.issues", "i0")).Count.ShouldBe(3, "created, deleted, restored: one version each");
    }

    [Fact]
    public async Task Restore_WhenABlobFileIsMissingInALaterChunk_PutsBackTheEarlierChunksAndChangesNothing()
    {
        await using var chunked = await TenantStore.OpenAsync(SmallChunks(2));
        var t = await fixture.NewTenantAsync();
        for (var i = 0; i < 6; i++)
        {
            await chunked.Records.PutAsync(t, Docs.Issues, $"i{i}", Docs.Issue($"issue {i}"));
        }

        // Restores walk collections in key order: this one comes after the issues, so its chunk is the last.
        var files = new CollectionDefinition("zz.files");
        await using (var bytes = new MemoryStream([7, 7, 7]))
        {
            await chunked.Blobs.PutAsync(t, files, "f", bytes);
        }

        var blob = (await chunked.Records.GetAsync(t, "zz.files", "f"))!.Blob!;
        var point = await chunked.Records.PutAsync(t, Docs.Pages, "p", Docs.Json(new { title = "page" }));
        for (var i = 0; i < 6; i++)
        {
            await chunked.Records.PutAsync(t, Docs.Issues, $"i{i}", Docs.Issue($"damaged {i}"));
        }

        await chunked.Records.DeleteAsync(t, "zz.files", "f");
        var damaged = (await chunked.Records.SnapshotAsync(t)).Select(r => (r.Collection, r.Id, r.Document!.Value.GetRawText())).ToList();
        var path = Directory.EnumerateFiles(fixture.BlobDirectory, blob.Sha256, SearchOption.AllDirectories).Single();
        File.Move(path, path + ".away");

        var e = await Should.ThrowAsync<BlobIntegrityException>(() => chunked.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position)));

        e.Message.ShouldContain("Nothing was changed");
        (await chunked.Records.SnapshotAsync(t)).Select(r => (r.Collection, r.Id, r.Document!.Value.GetRawText())).ShouldBe(damaged,
            "the issues restored by the first chunks are put back as they were");
        (await chunked.Tenants.GetAsync(t)).State.ShouldBe(TenantState.Active, "a refused restore hands the tenant back");
        File.Move(path + ".away", path);
        await chunked.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position));
        (await chunked.Records.GetAsync(t, "tracker.issues", "i0"))!.Title().ShouldBe("issue 0");
        (await chunked.Blobs.ReadAllBytesAsync(t, "zz.files", "f")).ShouldBe([7, 7, 7]);
    }

    [Fact]
    public async Task Restore_WithAPauseBetweenChunks_StillRestoresEveryRecord()
    {
        await using var paced = await TenantStore.OpenAsync(SmallChunks(2, TimeSpan.FromMilliseconds(5)));
        var t = await fixture.NewTenantAsync();
        var batch = paced.Records.Batch(t);
        for (var i = 0; i < 7; i++)
        {
            batch.Put(Docs.Issues, $"i{i}", Docs.Issue($"issue {i}"));
        }

        var point = await paced.Records.WriteAsync(batch);
        await paced.Records.DeleteAsync(t, "tracker.issues", [.. Enumerable.Range(0, 7).Select(i => $"i{i}")]);

        var result = await paced.Restores.RestoreAsync(t, RecoveryPoint.AtPosition(point.Position));

        result.Records.ShouldBe(7);
        (await paced.Records.ListAsync(t, "tracker.issues")).Count.ShouldBe(7);
    }

    private StoreOptions SmallChunks(int records, TimeSpan? pause = null)
    {
        var options = fixture.Options();
        return new StoreOptions
        {
            ConnectionString = options.ConnectionString,
            OwnerConnectionString = options.OwnerConnectionString,
            BlobDirectory = options.BlobDirectory,
            TimeProvider = options.TimeProvider,
            Actor = options.Actor,
            RestoreChunkSize = records,
            RestorePause = pause ?? TimeSpan.Zero,
        };
    }
}
