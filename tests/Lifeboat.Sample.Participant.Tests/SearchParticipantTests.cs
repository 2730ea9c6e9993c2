using System.Text.Json.Nodes;
using Lifeboat.Platform;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;

namespace Lifeboat.Sample.Participant.Tests;

/// <summary>
/// The sample's search index as a real participant: a process of its own, with a store of its own,
/// restored by a restore job together with Lifeboat's stores, to the same instant.
/// </summary>
public sealed class SearchParticipantTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private static readonly CollectionDefinition Issues = new("tracker.issues", "status");

    [Fact(Timeout = 180_000)]
    public async Task ARestoreJob_BringsLifeboatAndTheSearchIndexBackToThePoint_AndBothAgree()
    {
        var blobs = Path.Combine(Path.GetTempPath(), "lifeboat-search-blobs", Guid.NewGuid().ToString("n"));
        await using var database = await PostgresServer.CreateDatabaseAsync("search");
        try
        {
            await using var search = await SearchProcess.StartAsync(database, blobs);
            await using var platform = await fixture.OpenAsync(PlatformFixture.WithoutBreaker, TimeProvider.System);
            var registered = await platform.Restores.Participants.RegisterAsync("search", search.ProtocolUrl, TimeSpan.FromSeconds(30));
            await search.UseSecretAsync(registered.Secret);
            var participant = registered.Participant;

            // Four sites in Lifeboat; the search index holds documents of the first three, none of the fourth yet.
            var sites = new List<SiteId>();
            for (var i = 0; i < 4; i++)
            {
                var site = (await platform.Sites.CreateAsync($"Search {Guid.NewGuid():n}", "eu-west")).Id;
                await platform.Identity.AddUserAsync(site, "owner@example.com", "Owner");
                var batch = platform.Store.Records.Batch(site.Tenant);
                for (var n = 0; n < 10; n++)
                {
                    batch.Put(Issues, $"iss-{n}", new { title = $"issue {n}", status = "open" });
                }

                await platform.Store.Records.WriteAsync(batch);
                sites.Add(site);
            }

            foreach (var site in sites.Take(3))
            {
                for (var n = 0; n < 5; n++)
                {
                    await search.IndexAsync(site.Value, $"doc-{n}", $"issue {n}", $"the text of issue {n} on {site}");
                }
            }

            var lifeboatBefore = new Dictionary<SiteId, IReadOnlyList<CollectionDigest>>();
            var searchBefore = new Dictionary<SiteId, string>();
            foreach (var site in sites)
            {
                lifeboatBefore[site] = await platform.Store.Records.DigestAsync(site.Tenant);
                searchBefore[site] = await search.DocumentsAsync(site.Value);
            }

            (await platform.Restores.Participants.DescribeAsync(participant, sites[0])).Stores.ShouldBe([new ParticipantStore("documents", 5)]);
            var point = await DatabaseNowAsync(platform);
            await Task.Delay(20);

            // The damage, in both: a script deletes records and then the sites; the index loses, changes and gains documents.
            var script = platform.WithActor("script");
            foreach (var site in sites)
            {
                await script.Store.Records.DeleteAsync(site.Tenant, Issues.Name, Enumerable.Range(0, 5).Select(n => $"iss-{n}").ToList());
                await script.Sites.DeleteAsync(site, "the script");
            }

            (await search.Http.DeleteAsync($"sites/{sites[0]}/documents/doc-0")).EnsureSuccessStatusCode();
            (await search.Http.DeleteAsync($"sites/{sites[0]}/documents/doc-1")).EnsureSuccessStatusCode();
            (await search.Http.DeleteAsync($"sites/{sites[0]}?reason=the%20script")).EnsureSuccessStatusCode();
            await search.IndexAsync(sites[1].Value, "doc-2", "changed", "overwritten after the point");
            await search.IndexAsync(sites[2].Value, "doc-9", "new", "indexed after the point");
            await search.IndexAsync(sites[3].Value, "doc-0", "first", "the first document of this site, after the point");
            (await platform.Restores.Participants.DescribeAsync(participant, sites[0])).Stores.Single().Items.ShouldBe(3);
            (await search.DocumentsAsync(sites[3].Value)).ShouldNotBe(searchBefore[sites[3]]);

            var job = await platform.Restores.StartAsync(new RestoreJobRequest("search drill") { Sites = sites, Point = RecoveryPoint.AtTime(point) });
            await using (var worker = platform.Restores.CreateWorker("w", 4))
            {
                await worker.RunAsync(untilIdle: true);
            }

            var outcome = await platform.Restores.SitesAsync(job.Id);
            (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.Completed, string.Join("; ", outcome.Select(s => s.Error).OfType<string>()));
            foreach (var site in sites)
            {
                (await platform.Sites.GetAsync(site)).State.ShouldBe(TenantState.Active);
                (await platform.Store.Records.DigestAsync(site.Tenant)).ShouldBe(lifeboatBefore[site], "Lifeboat's stores are back to the point");
                (await search.DocumentsAsync(site.Value)).ShouldBe(searchBefore[site], "the search index is back to the point");
                var answer = outcome.Single(s => s.Site == site).Validation!.Value.GetProperty("participants")[0];
                (answer.GetProperty("site").GetString(), answer.GetProperty("ok").GetBoolean()).ShouldBe((site.Value, true), answer.ToString());
            }

            (await platform.Restores.Participants.DescribeAsync(participant, sites[0])).Stores.Single().Items.ShouldBe(5);
            (await platform.Restores.Participants.DescribeAsync(participant, sites[3])).Stores.Single().Items.ShouldBe(0);

            // Repeated for the same job and site (as after a crash), the restore converges and changes nothing.
            var call = new { job = job.Id.Value, site = sites[1].Value, recoveryPoint = new { position = (long?)null, time = point } };
            var again = await search.CallAsync("restore", call);
            (again["restored"]!.GetValue<bool>(), again["changed"]!.GetValue<int>(), again["items"]!.GetValue<long>()).ShouldBe((true, 0, 5));
            (await search.DocumentsAsync(sites[1].Value)).ShouldBe(searchBefore[sites[1]]);
            var validation = await search.CallAsync("validate", call);
            (validation["ok"]!.GetValue<bool>(), validation.Str("sha256")).ShouldBe((true, validation.Str("sha256AtPoint")));
        }
        finally
        {
            if (Directory.Exists(blobs))
            {
                Directory.Delete(blobs, recursive: true);
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task TheSearchIndex_RefusesLifeboatsOwnDatabase_AndANonLoopbackAddress()
    {
        using (var process = SearchProcess.Launch("--urls", "http://127.0.0.1:0", "--Participant:Connection", fixture.Database.ConnectionString, "--Participant:Secret", "s"))
        {
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            (process.ExitCode, error).ShouldBe((2, error));
            error.ShouldContain("is Lifeboat's own; the search index needs a database of its own");
        }

        using (var process = SearchProcess.Launch("--urls", "http://0.0.0.0:0", "--Participant:Connection", fixture.Database.ConnectionString, "--Participant:Secret", "s"))
        {
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            process.ExitCode.ShouldBe(2, error);
            error.ShouldContain("is not a 127.0.0.1 address");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task TheSearchIndex_AnswersUnsignedWronglySignedAndStaleCalls401_AndChangesNothing_WhileLifeboatsOwnCallsPass()
    {
        var blobs = Path.Combine(Path.GetTempPath(), "lifeboat-search-blobs", Guid.NewGuid().ToString("n"));
        await using var database = await PostgresServer.CreateDatabaseAsync("search");
        try
        {
            await using var search = await SearchProcess.StartAsync(database, blobs);
            await using var platform = await fixture.OpenAsync(PlatformFixture.WithoutBreaker, TimeProvider.System);
            var site = (await platform.Sites.CreateAsync($"Signed {Guid.NewGuid():n}", "eu-west")).Id;
            for (var n = 0; n < 3; n++)
            {
                await search.IndexAsync(site.Value, $"doc-{n}", $"doc {n}", "text");
            }

            var before = await search.DocumentsAsync(site.Value);
            var registered = await platform.Restores.Participants.RegisterAsync("search-signed", search.ProtocolUrl, TimeSpan.FromSeconds(30));

            // Registered, but the participant was not given the secret yet: it cannot verify, so it refuses.
            var notYet = await Should.ThrowAsync<ParticipantException>(() => platform.Restores.Participants.DescribeAsync(registered.Participant, site));
            notYet.Message.ShouldContain("answered 401 to describe");
            notYet.Message.ShouldContain("has no signing secret yet");

            await search.UseSecretAsync(registered.Secret);
            (await platform.Restores.Participants.DescribeAsync(registered.Participant, site)).Stores.ShouldBe([new ParticipantStore("documents", 3)]);

            // An attacker who can reach it asks it to restore the site to an empty past: refused every way, nothing changes.
            var call = new { job = "rjob_01jd9a7c3e5g7j9m1p3r5t7v9x", site = site.Value, recoveryPoint = new { position = (long?)null, time = TimeProvider.System.GetUtcNow().AddYears(-1) } };
            var attempts = new (string? Secret, DateTimeOffset At, string Says)[]
            {
                (null, TimeProvider.System.GetUtcNow(), "the request is not signed"),
                ("lbps_guessed", TimeProvider.System.GetUtcNow(), "the request's signature is wrong"),
                (registered.Secret, TimeProvider.System.GetUtcNow().AddMinutes(-6), "is not within 5 minutes of this participant's clock"),
                (registered.Secret, TimeProvider.System.GetUtcNow().AddMinutes(6), "is not within 5 minutes of this participant's clock"),
            };
            foreach (var (secret, at, says) in attempts)
            {
                using var response = await search.SignedCallAsync("restore", call, secret, at);
                var text = await response.Content.ReadAsStringAsync();
                ((int)response.StatusCode, text).ShouldBe((401, text));
                text.ShouldContain(says);
            }

            // A validate call captured on the wire, replayed as a restore: the verb is signed too.
            using (var replay = new HttpRequestMessage(HttpMethod.Post, "lifeboat/restore"))
            {
                var json = System.Text.Json.JsonSerializer.Serialize(call, SearchProcess.Web);
                var stamp = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                var signed = System.Text.Encoding.UTF8.GetBytes($"v1.{stamp}.validate.{json}");
                replay.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
                replay.Headers.Add("X-Lifeboat-Timestamp", stamp);
                replay.Headers.Add("X-Lifeboat-Signature", "v1=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(registered.Secret), signed)));
                using var response = await search.Http.SendAsync(replay);
                ((int)response.StatusCode).ShouldBe(401);
            }

            (await search.DocumentsAsync(site.Value)).ShouldBe(before, "no refused call changed the index");

            // Registering again replaces the secret: calls signed with the old one are refused.
            var again = await platform.Restores.Participants.RegisterAsync("search-signed", search.ProtocolUrl, TimeSpan.FromSeconds(30));
            again.Secret.ShouldNotBe(registered.Secret);
            (await Should.ThrowAsync<ParticipantException>(() => platform.Restores.Participants.DescribeAsync(again.Participant, site))).Message.ShouldContain("signature is wrong");
            await search.UseSecretAsync(again.Secret);
            (await platform.Restores.Participants.DescribeAsync(again.Participant, site)).Stores.Single().Items.ShouldBe(3);
            await platform.Restores.Participants.RemoveAsync("search-signed");
        }
        finally
        {
            if (Directory.Exists(blobs))
            {
                Directory.Delete(blobs, recursive: true);
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task TheSearchIndex_WithoutASecretConfigured_DoesNotStart_AndSaysWhatToGive()
    {
        using var process = SearchProcess.Launch("--urls", "http://127.0.0.1:0", "--Participant:Connection", "Host=127.0.0.1;Database=search");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(2, error);
        error.ShouldContain("Participant:SecretFile (or Participant:Secret) is required");
    }

    private static async Task<DateTimeOffset> DatabaseNowAsync(LifeboatPlatform platform)
    {
        await using var cmd = DatabaseSql.AsOwner(platform.Options.Store).CreateCommand("SELECT clock_timestamp()");
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetFieldValue<DateTimeOffset>(0);
    }
}

internal static class Json
{
    public static string Str(this JsonNode node, string property) => node[property]!.GetValue<string>();
}
