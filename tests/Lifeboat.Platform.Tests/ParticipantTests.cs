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
        { Misbehaviour.AnswersHuge, "participant:stub: participant stub answered restore of site {0} with more than 1 MiB, the most Lifeboat reads of an answer; it stopped reading." },
        { Misbehaviour.DeclaresHuge, "participant:stub: participant stub answered restore of site {0} with more than 1 MiB, the most Lifeboat reads of an answer; it stopped reading." },
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

    [Theory(Timeout = 120_000)]
    [InlineData(Misbehaviour.AnswersHuge)]
    [InlineData(Misbehaviour.DeclaresHuge)]
    public async Task AParticipantAnswering100MiB_IsCutOffAtTheLimit_WithAClearFailure_NotReadToTheEnd(Misbehaviour misbehaviour)
    {
        await using var platform = await PlatformAsync();
        var site = (await fixture.NewSiteAsync()).Id;
        await using var stub = await StubParticipant.StartAsync(site, misbehaviour);
        var participant = (await platform.Restores.Participants.RegisterAsync("stub", stub.Url, TimeSpan.FromSeconds(30))).Participant;

        var e = await Should.ThrowAsync<ParticipantException>(() => platform.Restores.Participants.DescribeAsync(participant, site));

        // The stub sends twice the limit and then holds the rest back until Lifeboat hangs up: this error, rather than
        // the 30 s timeout's, shows Lifeboat stopped at its limit instead of waiting to read the answer to its end.
        e.Message.ShouldBe($"participant stub answered describe of site {site} with more than 1 MiB, the most Lifeboat reads of an answer; it stopped reading. " +
                           "Make the answer smaller (see docs/participants.md), or raise Lifeboat:Participants:MaxResponseBytes.");
    }

    [Fact(Timeout = 120_000)]
    public async Task EveryCallToAParticipant_CarriesAnHmacOfTheTimestampVerbAndBody_WithTheSecretGivenAtRegistration()
    {
        await using var platform = await PlatformAsync();
        var site = (await fixture.NewSiteAsync()).Id;
        await using var stub = await StubParticipant.StartAsync(null, Misbehaviour.None);
        var registered = await platform.Restores.Participants.RegisterAsync("stub", stub.Url, TimeSpan.FromSeconds(30));
        registered.Secret.ShouldStartWith("lbps_");
        registered.Secret.Length.ShouldBeGreaterThanOrEqualTo(45, "32 random bytes");

        await platform.Restores.Participants.DescribeAsync((await platform.Restores.Participants.GetAsync("stub")), site);

        var (verb, stamp, signature, body) = stub.Received.Single();
        verb.ShouldBe("describe");
        var seconds = long.Parse(stamp.ShouldNotBeNull(), System.Globalization.CultureInfo.InvariantCulture);
        (TimeProvider.System.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration().ShouldBeLessThan(TimeSpan.FromMinutes(1));
        var signed = System.Text.Encoding.UTF8.GetBytes($"v1.{stamp}.describe.").Concat(body).ToArray();
        signature.ShouldBe("v1=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(registered.Secret), signed)));
        (await platform.Restores.Participants.ListAsync()).Single().ToString().ShouldNotContain(registered.Secret, customMessage: "the secret is shown once, not listed");
    }

    [Fact]
    public async Task RegisteringAParticipantOutsideTheAllowList_IsRefusedSayingHowToAllowIt_AndNothingIsRegistered()
    {
        await using var platform = await PlatformAsync();

        var outside = await Should.ThrowAsync<PlatformException>(() =>
            platform.Restores.Participants.RegisterAsync("billing", new Uri("http://10.20.30.40:8080/lifeboat"), TimeSpan.FromSeconds(5)));

        outside.Kind.ShouldBe(PlatformErrorKind.Invalid);
        outside.Message.ShouldStartWith("participant billing at http://10.20.30.40:8080/lifeboat is not on the participants' allow-list (loopback addresses only (nothing is configured)).");
        outside.Message.ShouldContain("add its URL (or a prefix of it, e.g. http://10.20.30.40:8080/) to Lifeboat:Participants:AllowedUrls");
        outside.Message.ShouldContain("LIFEBOAT_PARTICIPANT_URLS / --participant-urls");
        outside.Message.ShouldEndWith("Nothing was registered.");
        (await platform.Restores.Participants.ListAsync()).ShouldBeEmpty();

        await using var configured = await fixture.OpenAsync(PlatformFixture.WithoutBreaker, TimeProvider.System,
            participants: new ParticipantOptions { AllowedUrls = ["https://search.internal.example/lifeboat"] });
        (await configured.Restores.Participants.RegisterAsync("search", new Uri("https://search.internal.example/lifeboat/v1"), TimeSpan.FromSeconds(5))).Participant.Name.ShouldBe("search");
        foreach (var refused in new[] { "https://search.internal.example/lifeboatx", "http://search.internal.example/lifeboat", "https://search.internal.example:8443/lifeboat",
                     "https://evil.example/lifeboat", "http://127.0.0.1:5090/lifeboat" })
        {
            (await Should.ThrowAsync<PlatformException>(() => configured.Restores.Participants.RegisterAsync("other", new Uri(refused), TimeSpan.FromSeconds(5))))
                .Message.ShouldContain("is not on the participants' allow-list (https://search.internal.example/lifeboat)");
        }

        (await configured.Restores.Participants.ListAsync()).Select(p => p.Name).ShouldBe(["search"]);
        await configured.Restores.Participants.RemoveAsync("search");
    }

    [Fact(Timeout = 120_000)]
    public async Task AParticipantRegisteredBeforeTheAllowListWasNarrowed_IsNotCalled()
    {
        await using var platform = await PlatformAsync();
        var site = (await fixture.NewSiteAsync()).Id;
        await using var stub = await StubParticipant.StartAsync(null, Misbehaviour.None);
        await platform.Restores.Participants.RegisterAsync("stub", stub.Url, TimeSpan.FromSeconds(30));

        await using var narrowed = await fixture.OpenAsync(PlatformFixture.WithoutBreaker, TimeProvider.System,
            participants: new ParticipantOptions { AllowedUrls = ["https://search.internal.example/"] });
        var e = await Should.ThrowAsync<ParticipantException>(async () =>
            await narrowed.Restores.Participants.DescribeAsync(await narrowed.Restores.Participants.GetAsync("stub"), site));

        e.Message.ShouldStartWith($"participant stub at {stub.Url} is not on the participants' allow-list (https://search.internal.example/).");
        e.Message.ShouldEndWith("It was not called.");
        stub.Received.ShouldBeEmpty();
        await platform.Restores.Participants.RemoveAsync("stub");
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
