using System.Net;
using System.Net.Sockets;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;

namespace Lifeboat.Platform.Tests;

/// <summary>
/// Participants that misbehave over real HTTP: the site they fail is failed with the participant and
/// the reason named, the other sites go on, and a retry once the participant is fixed restores it.
/// </summary>
public sealed class ParticipantTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private static readonly CollectionDefinition Issues = new("tracker.issues", "status");

    public static TheoryData<Misbehaviour, string> Misbehaviours => new()
    {
        { Misbehaviour.Sleeps, "participant:stub: participant stub did not answer restore of site {0} within 2 s." },
        { Misbehaviour.AnswersWrongShape, "participant:stub: participant stub answered restore of site {0} with something that is not the protocol's JSON" },
        { Misbehaviour.AnswersForAnotherSite, "participant:stub: participant stub answered restore of site {0} with an answer about site 'site_01jd8x2k9q4m7t6v5w3y1z0a8b'" },
    };

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Misbehaviours))]
    public async Task AParticipantMisbehavingForOneSite_FailsThatSiteWithTheReason_TheOthersAreRestored_AndARetryAfterTheFixRestoresIt(
        Misbehaviour misbehaviour, string error)
    {
        await using var platform = await PlatformAsync();
        var (sites, point, before) = await DamagedSitesAsync(platform, 3);
        var bad = sites[1];
        await using var stub = await StubParticipant.StartAsync(bad, misbehaviour);
        // Long enough for a loaded machine to answer a good site, short enough to wait out the sleeper.
        await platform.Restores.Participants.RegisterAsync("stub", stub.Url, TimeSpan.FromSeconds(2));

        var job = await platform.Restores.StartAsync(new RestoreJobRequest("misbehaving participant") { Sites = sites, Point = point });
        await RunWorkerAsync(platform);

        (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.CompletedWithFailures);
        var outcome = await platform.Restores.SitesAsync(job.Id);
        var failed = outcome.Single(s => s.Site == bad);
        failed.State.ShouldBe(SiteRestoreState.Failed);
        failed.Error.ShouldStartWith(string.Format(System.Globalization.CultureInfo.InvariantCulture, error, bad));
        (await platform.Sites.GetAsync(bad)).State.ShouldBe(TenantState.Restoring, "a site a participant did not restore is not reopened");
        foreach (var site in sites.Where(s => s != bad))
        {
            outcome.Single(s => s.Site == site).State.ShouldBe(SiteRestoreState.Restored);
            (await platform.Store.Records.DigestAsync(site.Tenant)).ShouldBe(before[site]);
        }

        stub.Misbehaviour = Misbehaviour.None;
        (await platform.Restores.RetryAsync(job.Id)).ShouldBe(1);
        await RunWorkerAsync(platform);

        (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.Completed);
        (await platform.Sites.GetAsync(bad)).State.ShouldBe(TenantState.Active);
        (await platform.Store.Records.DigestAsync(bad.Tenant)).ShouldBe(before[bad]);
        stub.Calls.ShouldContain(("validate", bad.Value));
    }

    [Fact(Timeout = 120_000)]
    public async Task AParticipantThatIsDown_FailsEverySiteWithTheReason_KeepsThemFromOtherJobs_AndARetryOnceItIsUpRestoresThem()
    {
        await using var platform = await PlatformAsync();
        var (sites, point, before) = await DamagedSitesAsync(platform, 3);
        var port = FreePort();
        await platform.Restores.Participants.RegisterAsync("stub", new Uri($"http://127.0.0.1:{port}/lifeboat"), TimeSpan.FromSeconds(2));

        var job = await platform.Restores.StartAsync(new RestoreJobRequest("participant down") { Sites = sites, Point = point });
        await RunWorkerAsync(platform);

        // Nothing listens: every site needs the participant, so every site fails, each saying why; Lifeboat's own steps ran.
        (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.CompletedWithFailures);
        foreach (var site in await platform.Restores.SitesAsync(job.Id))
        {
            site.State.ShouldBe(SiteRestoreState.Failed);
            site.Error.ShouldStartWith($"participant:stub: participant stub could not be reached at http://127.0.0.1:{port}/lifeboat for restore of site {site.Site}: Connection refused");
            (await platform.Store.Records.DigestAsync(site.Site.Tenant)).ShouldBe(before[site.Site], "Lifeboat's stores were restored all the same");
        }

        var again = await Should.ThrowAsync<PlatformException>(() => platform.Restores.StartAsync(new RestoreJobRequest("again") { Sites = [sites[0]], Point = point }));
        again.Kind.ShouldBe(PlatformErrorKind.Conflict);
        again.Message.ShouldContain($"site {sites[0]} is being restored already by restore job {job.Id}");

        await using var stub = await StubParticipant.StartAsync(null, Misbehaviour.None, port);
        (await platform.Restores.RetryAsync(job.Id)).ShouldBe(3);
        await RunWorkerAsync(platform);

        (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.Completed);
        foreach (var site in sites)
        {
            (await platform.Sites.GetAsync(site)).State.ShouldBe(TenantState.Active);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task AParticipantThatFailsFirst_LeavesTheSitesOwnStoresToBeRestoredAllTheSame()
    {
        await using var platform = await PlatformAsync();
        var (sites, point, before) = await DamagedSitesAsync(platform, 2);
        var port = FreePort();
        await platform.Restores.Participants.RegisterAsync("stub", new Uri($"http://127.0.0.1:{port}/lifeboat"), TimeSpan.FromSeconds(2));

        var job = await platform.Restores.StartAsync(new RestoreJobRequest("participant down") { Sites = sites, Point = point });
        // One step at a time, in name order: each site's participant step fails before its products step starts.
        await using (var worker = platform.Restores.CreateWorker("one-at-a-time", 1))
        {
            await worker.RunAsync(untilIdle: true);
        }

        (await platform.Restores.GetAsync(job.Id)).State.ShouldBe(RestoreJobState.CompletedWithFailures);
        foreach (var site in await platform.Restores.SitesAsync(job.Id))
        {
            site.State.ShouldBe(SiteRestoreState.Failed);
            site.Error.ShouldStartWith("participant:stub:");
            (await platform.Store.Records.DigestAsync(site.Site.Tenant)).ShouldBe(before[site.Site], "the site's own stores are restored even though its participant failed");
            (await platform.Sites.GetAsync(site.Site)).State.ShouldBe(TenantState.Restoring, "a site whose participant was not restored stays closed");
        }
    }

    /// <summary>A platform whose registry holds no participant of an earlier test of this class.</summary>
    private async Task<LifeboatPlatform> PlatformAsync()
    {
        var platform = await fixture.OpenAsync(PlatformFixture.WithoutBreaker, TimeProvider.System);
        foreach (var participant in await platform.Restores.Participants.ListAsync())
        {
            await platform.Restores.Participants.RemoveAsync(participant.Name);
        }

        return platform;
    }

    private static async Task RunWorkerAsync(LifeboatPlatform platform)
    {
        await using var worker = platform.Restores.CreateWorker("w", 4);
        await worker.RunAsync(untilIdle: true);
    }

    /// <summary>Sites with records, the time just after they were written, and their records deleted after it.</summary>
    private static async Task<(List<SiteId> Sites, RecoveryPoint Point, Dictionary<SiteId, IReadOnlyList<CollectionDigest>> Before)> DamagedSitesAsync(
        LifeboatPlatform platform, int count)
    {
        var before = new Dictionary<SiteId, IReadOnlyList<CollectionDigest>>();
        var last = DateTimeOffset.MinValue;
        for (var i = 0; i < count; i++)
        {
            var site = (await platform.Sites.CreateAsync($"Participant {Guid.NewGuid():n}", "eu-west")).Id;
            var batch = platform.Store.Records.Batch(site.Tenant);
            for (var n = 0; n < 5; n++)
            {
                batch.Put(Issues, $"iss-{n}", new { title = $"issue {n}", status = "open" });
            }

            var written = await platform.Store.Records.WriteAsync(batch);
            last = (await platform.Store.Restores.CommittedAtAsync(written.Position))!.Value;
            before[site] = await platform.Store.Records.DigestAsync(site.Tenant);
        }

        foreach (var site in before.Keys)
        {
            await platform.Store.Records.DeleteAsync(site.Tenant, Issues.Name, ["iss-0", "iss-1"]);
        }

        return ([.. before.Keys], RecoveryPoint.AtTime(last), before);
    }

    /// <summary>A port nothing listens on (for a moment: long enough for a participant that is down).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
