using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Storage.Tests;

/// <summary>
/// Model-based property test of the store. Random interleavings of puts, deletes, undeletes, blob
/// writes, lifecycle changes and restores across six tenants run against the real store and an
/// in-memory model. After every restore the restored tenant must equal the model at the point and
/// every other tenant must equal the model now; at the end no version may be missing. Some restores
/// are "jobs": several tenants, each to its own point, prepared first and restored in interleaved
/// steps, as a restore job does; a tenant written after its job was prepared must be refused untouched.
/// A failure names its seed: replay it with LIFEBOAT_MODEL_SEED=&lt;seed&gt;.
/// </summary>
public sealed class RestoreModelTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private const int Tenants = 6;
    private const int OperationsPerSeed = 70;
    private static readonly string[] Collections = ["c.alpha", "c.beta"];
    private static readonly CollectionDefinition Files = new("c.files");

    [Fact]
    public async Task RandomHistories_RestoreMatchesTheModel_OtherTenantsUntouched_NoVersionLost()
    {
        foreach (var seed in Seeds())
        {
            var log = new List<string>();
            try
            {
                await RunAsync(seed, log);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    $"model test failed for seed {seed}; replay with LIFEBOAT_MODEL_SEED={seed}. Last operations:\n  {string.Join("\n  ", log.TakeLast(15))}", e);
            }
        }
    }

    /// <summary>Fixed seeds (regressions stay covered) plus fresh ones each run (coverage grows over time).</summary>
    private static IEnumerable<int> Seeds()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("LIFEBOAT_MODEL_SEED"), CultureInfo.InvariantCulture, out var one))
        {
            return [one];
        }

        var fresh = int.TryParse(Environment.GetEnvironmentVariable("LIFEBOAT_MODEL_SEEDS"), CultureInfo.InvariantCulture, out var n) ? n : 30;
        return Enumerable.Range(1, 10).Concat(Enumerable.Range(0, fresh).Select(_ => Random.Shared.Next(1000, int.MaxValue)));
    }

    private async Task RunAsync(int seed, List<string> log)
    {
        var random = new Random(seed);
        // Tiny restore chunks, so restores cross chunk boundaries as large tenants' restores do.
        await using var chunked = await TenantStore.OpenAsync(fixture.Options(restoreChunkSize: 1 + (seed % 4)));
        var store = chunked.WithActor($"model-{seed}");
        var tenants = new List<ModelTenant>();
        var points = new List<(long Position, DateTimeOffset? Stamp)>();
        for (var i = 0; i < Tenants; i++)
        {
            var id = TenantId.Parse($"m{seed}-{i}-{Guid.NewGuid():n}"[..30]);
            var info = await store.Tenants.CreateAsync(id);
            tenants.Add(new ModelTenant(id, info.CreatedPosition));
            points.Add((info.CreatedPosition, info.CreatedAt));
        }

        var counter = 0;
        for (var op = 0; op < OperationsPerSeed; op++)
        {
            var t = tenants[random.Next(tenants.Count)];
            var collection = Collections[random.Next(Collections.Length)];
            var key = $"r{random.Next(6)}";
            var roll = random.Next(100);
            if (roll < 33)
            {
                var value = $"v{++counter}";
                log.Add($"put {t.Id} {collection}/{key} = {value}");
                await ExpectWrite(t, () => store.Records.PutAsync(t.Id, new CollectionDefinition(collection), key, Docs.Json(new { v = value })),
                    w => { t.Append(collection, key, w.Position, value, null); points.Add((w.Position, w.Stamp)); });
            }
            else if (roll < 46)
            {
                log.Add($"delete {t.Id} {collection}/{key}");
                await ExpectWrite(t, () => store.Records.DeleteAsync(t.Id, collection, key), d =>
                {
                    d.Deleted.ShouldBe(t.IsLive(collection, key) ? 1 : 0);
                    if (d.Deleted == 1)
                    {
                        t.Append(collection, key, d.Position, null, null);
                    }

                    points.Add((d.Position, d.Stamp));
                });
            }
            else if (roll < 51)
            {
                log.Add($"undelete {t.Id} {collection}/{key}");
                if (t.State != TenantState.Active)
                {
                    (await Should.ThrowAsync<TenantStateException>(() => store.Records.UndeleteAsync(t.Id, collection, key))).State.ShouldBe(t.State);
                }
                else if (t.LastLive(collection, key) is { } last && !t.IsLive(collection, key))
                {
                    var w = await store.Records.UndeleteAsync(t.Id, collection, key);
                    t.Append(collection, key, w.Position, last.Value, last.Blob);
                    points.Add((w.Position, w.Stamp));
                }
                else
                {
                    await Should.ThrowAsync<RecordStateException>(() => store.Records.UndeleteAsync(t.Id, collection, key));
                }
            }
            else if (roll < 59)
            {
                var bytes = Encoding.UTF8.GetBytes($"blob {seed} {++counter} {new string('x', random.Next(200))}");
                var value = $"f{counter}";
                log.Add($"blob {t.Id} c.files/{key} = {value}");
                await ExpectWrite(t, () => store.Blobs.PutAsync(t.Id, Files, key, new MemoryStream(bytes), Docs.Json(new { v = value })),
                    w => { t.Append("c.files", key, w.Position, value, Convert.ToHexStringLower(SHA256.HashData(bytes))); points.Add((w.Position, w.Stamp)); });
            }
            else if (roll < 73)
            {
                var (target, targetState) = (random.Next(4)) switch
                {
                    0 => (TenantState.Deleted, "delete"),
                    1 => (TenantState.Active, "undelete"),
                    2 => (TenantState.Suspended, "suspend"),
                    _ => (TenantState.Active, "resume"),
                };
                log.Add($"{targetState} tenant {t.Id} (is {t.State})");
                await ChangeStateAsync(store, t, targetState, target, points);
            }
            else if (roll < 90)
            {
                await RestoreAsync(store, random, t, tenants, points, log);
            }
            else
            {
                await RestoreAsOneJobAsync(store, random, tenants, points, log, $"job-{seed}-{op}");
            }
        }

        foreach (var t in tenants)
        {
            await AssertNoVersionLostAsync(t);
        }
    }

    private static async Task ExpectWrite<T>(ModelTenant t, Func<Task<T>> write, Action<T> onSuccess)
    {
        if (t.State == TenantState.Active)
        {
            onSuccess(await write());
        }
        else
        {
            (await Should.ThrowAsync<TenantStateException>(write)).State.ShouldBe(t.State);
        }
    }

    private static async Task ChangeStateAsync(TenantStore store, ModelTenant t, string verb, TenantState target, List<(long, DateTimeOffset?)> points)
    {
        var allowedFrom = verb switch
        {
            "delete" => new[] { TenantState.Active, TenantState.Suspended },
            "undelete" => [TenantState.Deleted],
            "suspend" => [TenantState.Active],
            _ => [TenantState.Suspended],
        };
        Func<Task<TenantStateChange?>> call = verb switch
        {
            "delete" => () => store.Tenants.DeleteAsync(t.Id, "model"),
            "undelete" => () => store.Tenants.UndeleteAsync(t.Id, "model"),
            "suspend" => () => store.Tenants.SuspendAsync(t.Id, "model"),
            _ => () => store.Tenants.ResumeAsync(t.Id, "model"),
        };
        if (t.State == target)
        {
            (await call()).ShouldBeNull($"{verb} of a tenant already {target} changes nothing");
        }
        else if (allowedFrom.Contains(t.State))
        {
            var change = (await call())!;
            t.States.Add((change.Position, target));
            points.Add((change.Position, change.Stamp));
        }
        else
        {
            (await Should.ThrowAsync<TenantStateException>(call)).State.ShouldBe(t.State);
        }
    }

    private async Task RestoreAsync(TenantStore store, Random random, ModelTenant t, List<ModelTenant> tenants, List<(long Position, DateTimeOffset? Stamp)> points, List<string> log)
    {
        var (position, stamp) = random.Next(10) == 0 && t.UndoPoints.Count > 0
            ? points.First(p => p.Position == t.UndoPoints[^1])
            : points[random.Next(points.Count)];
        // Only commits have a time; a restore's undo point is a position between commits.
        // The time of a commit is when it committed, which is after its stamp.
        var point = random.Next(5) == 0 && stamp is not null && await store.Restores.CommittedAtAsync(position) is { } time
            ? RecoveryPoint.AtTime(time)
            : RecoveryPoint.AtPosition(position);
        var twoSteps = random.Next(4) == 0;
        log.Add($"restore {t.Id} to {point}{(twoSteps ? " in two steps" : "")} (is {t.State})");
        if (position < t.CreatedPosition)
        {
            (await Should.ThrowAsync<RecoveryPointException>(() => store.Restores.RestoreAsync(t.Id, point))).Message.ShouldContain("did not exist yet");
            return;
        }

        RestoreResult result;
        if (twoSteps)
        {
            var restore = await store.Restores.BeginAsync(t.Id, point);
            await restore.RestoreRecordsAsync([Collections[0]]);
            await restore.RestoreRecordsAsync(null);
            result = await restore.CompleteAsync();
        }
        else
        {
            result = await store.Restores.RestoreAsync(t.Id, point);
        }

        var expectedChanges = t.RestoreTo(position, result.UndoPoint.Position!.Value);
        result.Records.ShouldBe(expectedChanges, "the restore writes a version for exactly the records that differ");
        result.StateAfter.ShouldBe(t.State);
        points.Add((result.UndoPoint.Position!.Value, null));

        await AssertEqualsModelAsync(store, t, t.At(long.MaxValue), "the restored tenant at the point");
        foreach (var other in tenants.Where(o => o != t))
        {
            await AssertEqualsModelAsync(store, other, other.At(long.MaxValue), "another tenant, now");
        }
    }

    /// <summary>
    /// Several tenants "as one job": each gets its own point and is prepared (its expectation taken) first; then, sometimes,
    /// one of them is written; then every tenant's restore begins with its expectation and runs in steps interleaved across
    /// the tenants. The tenant written after it was prepared must be refused and left as it is; every other one must equal
    /// the model at its own point, and tenants outside the job the model now.
    /// </summary>
    private async Task RestoreAsOneJobAsync(TenantStore store, Random random, List<ModelTenant> tenants, List<(long Position, DateTimeOffset? Stamp)> points,
        List<string> log, string job)
    {
        var members = tenants.OrderBy(_ => random.Next()).Take(random.Next(2, 5)).ToList();
        var plan = new List<(ModelTenant Tenant, long Position, RecoveryPoint Point)>();
        foreach (var t in members)
        {
            var own = points.Where(p => p.Position >= t.CreatedPosition).ToList();
            var (position, stamp) = own[random.Next(own.Count)];
            // A time selects what had committed by then: the commit's own time, not its stamp (taken before it committed).
            var point = random.Next(5) == 0 && stamp is not null && await store.Restores.CommittedAtAsync(position) is { } time
                ? RecoveryPoint.AtTime(time)
                : RecoveryPoint.AtPosition(position);
            plan.Add((t, position, point));
        }

        log.Add($"{job}: {string.Join(", ", plan.Select(p => $"{p.Tenant.Id} to {p.Point} (is {p.Tenant.State})"))}");
        var expectations = new Dictionary<TenantId, RestoreExpectation>();
        foreach (var (t, _, _) in plan)
        {
            expectations[t.Id] = await store.Restores.ExpectAsync(t.Id);
            expectations[t.Id].State.ShouldBe(t.State, $"{job}: the state {t.Id} was prepared in");
        }

        ModelTenant? changed = null;
        if (random.Next(3) == 0)
        {
            changed = plan[random.Next(plan.Count)].Tenant;
            log.Add($"{job}: {changed.Id} changes after it was prepared (is {changed.State})");
            if (changed.State == TenantState.Active)
            {
                var w = await store.Records.PutAsync(changed.Id, new CollectionDefinition(Collections[0]), "late", Docs.Json(new { v = $"late-{job}" }));
                changed.Append(Collections[0], "late", w.Position, $"late-{job}", null);
                points.Add((w.Position, w.Stamp));
            }
            else
            {
                await ChangeStateAsync(store, changed, changed.State == TenantState.Deleted ? "undelete" : "resume", TenantState.Active, points);
            }
        }

        var restores = new List<(ModelTenant Tenant, long Position, TenantRestore Restore)>();
        foreach (var (t, position, point) in plan)
        {
            if (t == changed)
            {
                var refused = await Should.ThrowAsync<TenantChangedException>(() => store.Restores.BeginAsync(t.Id, point, $"{job}/{t.Id}", expectations[t.Id]));
                refused.Message.ShouldContain($"tenant {t.Id} changed after this restore was prepared");
                refused.Message.ShouldContain(refused.State != expectations[t.Id].State ? $"it is {refused.State} now" : $"writes after position {expectations[t.Id].Position}");
                (await store.Tenants.GetAsync(t.Id)).RestoreId.ShouldBeNull($"{job}: a refused restore does not take {t.Id}");
                continue;
            }

            restores.Add((t, position, await store.Restores.BeginAsync(t.Id, point, $"{job}/{t.Id}", expectations[t.Id])));
        }

        // Steps interleaved across the tenants, as workers run them: one collection of each, then the rest of each.
        foreach (var (_, _, restore) in restores)
        {
            await restore.RestoreRecordsAsync([Collections[1]]);
        }

        foreach (var (_, _, restore) in restores)
        {
            await restore.RestoreRecordsAsync(null);
        }

        // Every restore of the job began (and took its undo position) before any of them wrote.
        var firstWrite = restores.Select(r => r.Restore.Info.UndoPoint.Position!.Value).DefaultIfEmpty().Max() + 1;
        foreach (var (t, position, restore) in restores)
        {
            var result = await restore.CompleteAsync();
            result.Records.ShouldBe(t.RestoreTo(position, result.UndoPoint.Position!.Value, firstWrite),
                $"{job}: {t.Id} writes a version for exactly the records that differ at its own point");
            result.StateAfter.ShouldBe(t.State);
            points.Add((result.UndoPoint.Position!.Value, null));
        }

        foreach (var t in tenants)
        {
            await AssertEqualsModelAsync(store, t, t.At(long.MaxValue), restores.Any(r => r.Tenant == t) ? $"{job}: a tenant at its own point" : $"{job}: a tenant outside the job, or refused, now");
        }
    }

    private async Task AssertEqualsModelAsync(TenantStore store, ModelTenant t, IReadOnlyDictionary<(string, string), ModelVersion> expected, string what)
    {
        (await store.Tenants.GetAsync(t.Id)).State.ShouldBe(t.State, $"{what}: lifecycle state of {t.Id}");
        var actual = await RawLiveRecordsAsync(t.Id);
        actual.ShouldBe(
            expected.Where(e => e.Value.Value is not null).Select(e => (e.Key.Item1, e.Key.Item2, e.Value.Value!, e.Value.Blob)).OrderBy(x => x.Item1, StringComparer.Ordinal).ThenBy(x => x.Item2, StringComparer.Ordinal).ToList(),
            $"{what}: records of {t.Id}");
        if (t.State is TenantState.Active or TenantState.Suspended)
        {
            foreach (var (c, id, _, blob) in actual.Where(a => a.Blob is not null))
            {
                var bytes = await store.Blobs.ReadAllBytesAsync(t.Id, c, id);
                Convert.ToHexStringLower(SHA256.HashData(bytes!)).ShouldBe(blob, $"{what}: bytes of blob {c}/{id}");
            }
        }
    }

    /// <summary>Reads the tables directly (deleted tenants too: their data must be intact).</summary>
    private async Task<List<(string Collection, string Id, string Value, string? Blob)>> RawLiveRecordsAsync(TenantId tenant)
    {
        await using var cmd = fixture.Store.DataSource.CreateCommand(
            "SELECT collection, record_id, doc->>'v', blob_sha256 FROM lifeboat.records WHERE tenant_id = $1 AND NOT deleted ORDER BY collection COLLATE \"C\", record_id COLLATE \"C\"");
        cmd.Parameters.Add(new() { Value = tenant.Value });
        var list = new List<(string, string, string, string?)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            list.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(3))));
        }

        return list;
    }

    private async Task AssertNoVersionLostAsync(ModelTenant t)
    {
        await using var cmd = fixture.Store.DataSource.CreateCommand("""
            SELECT collection, record_id, position, doc->>'v' FROM (
                SELECT collection, record_id, position, doc FROM lifeboat.records WHERE tenant_id = $1
                UNION ALL
                SELECT collection, record_id, position, doc FROM lifeboat.record_history WHERE tenant_id = $1) v
            ORDER BY position
            """);
        cmd.Parameters.Add(new() { Value = t.Id.Value });
        var stored = new Dictionary<(string, string), List<(long, string?)>>();
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var key = (reader.GetString(0), reader.GetString(1));
                if (!stored.TryGetValue(key, out var list))
                {
                    stored[key] = list = [];
                }

                list.Add((reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }

        stored.Keys.OrderBy(k => k).ShouldBe(t.Records.Keys.OrderBy(k => k), $"records ever written to {t.Id}");
        foreach (var (key, versions) in t.Records)
        {
            var actual = stored[key];
            actual.Select(v => v.Item2).ShouldBe(versions.Select(v => v.Value), $"every version of {t.Id} {key.Item1}/{key.Item2}, in order");
            foreach (var (expected, got) in versions.Zip(actual).Where(p => !p.First.WrittenByRestore))
            {
                got.Item1.ShouldBe(expected.Position, $"position of a version of {t.Id} {key.Item1}/{key.Item2}");
            }
        }
    }

    private sealed record ModelVersion(long Position, string? Value, string? Blob, bool WrittenByRestore = false);

    private sealed class ModelTenant(TenantId id, long createdPosition)
    {
        public TenantId Id { get; } = id;

        public long CreatedPosition { get; } = createdPosition;

        public List<(long Position, TenantState State)> States { get; } = [(createdPosition, TenantState.Active)];

        public Dictionary<(string, string), List<ModelVersion>> Records { get; } = [];

        public List<long> UndoPoints { get; } = [];

        public TenantState State => States[^1].State;

        public void Append(string c, string id, long position, string? value, string? blob, bool byRestore = false)
        {
            if (!Records.TryGetValue((c, id), out var versions))
            {
                Records[(c, id)] = versions = [];
            }

            versions.Add(new ModelVersion(position, value, blob, byRestore));
        }

        public bool IsLive(string c, string id) => Records.TryGetValue((c, id), out var v) && v[^1].Value is not null;

        public ModelVersion? LastLive(string c, string id) =>
            Records.TryGetValue((c, id), out var v) ? v.LastOrDefault(x => x.Value is not null) : null;

        public IReadOnlyDictionary<(string, string), ModelVersion> At(long position) =>
            Records.Where(r => r.Value.Any(v => v.Position <= position))
                .ToDictionary(r => r.Key, r => r.Value.Last(v => v.Position <= position));

        /// <summary>Applies a restore to the model; returns how many records it had to write.</summary>
        public int RestoreTo(long position, long undoPosition, long? firstWrite = null)
        {
            var target = At(position);
            // The restore's writes come after its undo point (after every undo point of its job) and before any later operation.
            var written = firstWrite ?? undoPosition + 1;
            var changes = 0;
            foreach (var (key, versions) in Records)
            {
                var want = target.TryGetValue(key, out var v) ? v : null;
                var now = versions[^1];
                if (now.Value != want?.Value || now.Blob != want?.Blob)
                {
                    versions.Add(new ModelVersion(written, want?.Value, want?.Blob, WrittenByRestore: true));
                    changes++;
                }
            }

            var stateThen = States.Last(s => s.Position <= position).State;
            if (stateThen != State)
            {
                States.Add((written, stateThen));
            }

            UndoPoints.Add(undoPosition);
            return changes;
        }
    }
}
