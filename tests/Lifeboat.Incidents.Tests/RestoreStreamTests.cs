using System.Text;
using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;

namespace Lifeboat.Incidents.Tests;

/// <summary>Streams opened from a real restore job, per region or per batch, with their progress read from the job.</summary>
public sealed class RestoreStreamTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    private static readonly CollectionDefinition Attachments = new("tracker.attachments");

    private LifeboatPlatform Platform => fixture.Platform.Platform;

    [Fact]
    public async Task AJobsStreams_OpenPerRegionOrPerBatch_ShowTheirSitesProgressFromTheJob_AndOpenOnce()
    {
        var eu = await SitesAsync("eu-west", 3);
        var us = await SitesAsync("us-east", 2);
        var outsider = await SitesAsync("eu-west", 1);
        var sites = eu.Concat(us).ToList();
        await CorruptAsync(us[1]);
        var plan = await DeleteAsync([.. sites, .. outsider]);
        var incident = await fixture.Desk.DeclareAsync(new IncidentDeclaration { Title = "five sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Sites = sites });
        await fixture.Desk.JoinAsync(incident.Id, "lena", "emea");
        var job = await Platform.Restores.StartAsync(new RestoreJobRequest($"{incident.Id}: put the sites back") { Plan = plan.Id });

        var opened = await fixture.Desk.OpenRestoreStreamsAsync(incident.Id, new RestoreStreamsOpening { Job = job.Id, Lead = "LENA" });
        opened.Select(s => (s.Slug, s.Lead, s.Goal, s.RestoreJob)).ShouldBe([
            ("restore-eu-west", "lena", $"restore and validate the 3 site(s) of restore job {job.Id} in eu-west", job.Id),
            ("restore-us-east", "lena", $"restore and validate the 2 site(s) of restore job {job.Id} in us-east", job.Id)]);
        opened[0].Sites.ShouldBe(eu, ignoreOrder: true, "the job's outsider is not the incident's: no stream takes it");
        opened.Select(s => s.Restore).ShouldBe([new StreamRestoreProgress(3, 0, 0, 0), new StreamRestoreProgress(2, 0, 0, 0)]);

        (await fixture.RefusedAsync(() => fixture.Desk.OpenRestoreStreamsAsync(incident.Id, new RestoreStreamsOpening { Job = job.Id, Lead = "lena" })))
            .ShouldBe($"incident {incident.Id} has streams for restore job {job.Id} already (restore-eu-west, restore-us-east): list them (GET /api/incidents/{incident.Id}/streams); open another by hand if the work needs one. Nothing was opened.");

        await using (var worker = Platform.Restores.CreateWorker("w", 3))
        {
            await worker.RunAsync(untilIdle: true);
        }

        var streams = await fixture.Desk.StreamsAsync(incident.Id);
        streams.Select(s => (s.Slug, s.Restore)).ShouldBe([
            ("restore-eu-west", new StreamRestoreProgress(3, 3, 3, 0)),
            ("restore-us-east", new StreamRestoreProgress(2, 1, 1, 1))],
            string.Join("; ", (await Platform.Restores.SitesAsync(job.Id)).Select(s => $"{s.Site} {s.State} {s.Error}")));
        (await fixture.Desk.TimelineAsync(incident.Id)).Count(e => e.Kind == "stream" && e.Text.Contains($"opened from restore job {job.Id}", StringComparison.Ordinal)).ShouldBe(2);

        // The same job for another incident, by batches of two sites in ID order.
        var second = await fixture.Desk.DeclareAsync(new IncidentDeclaration { Title = "the same sites, seen by support", Type = "mass-deletion", Severity = IncidentSeverity.Sev2, Sites = sites });
        await fixture.Desk.JoinAsync(second.Id, "lena");
        var batches = await fixture.Desk.OpenRestoreStreamsAsync(second.Id, new RestoreStreamsOpening { Job = job.Id, Lead = "lena", By = RestoreStreamGrouping.Batch, BatchSize = 2 });
        batches.Select(s => (s.Slug, s.Restore!.Sites)).ShouldBe([("restore-batch-1", 2), ("restore-batch-2", 2), ("restore-batch-3", 1)]);
        batches.SelectMany(s => s.Sites).ShouldBe(sites.OrderBy(s => s.Value, StringComparer.Ordinal));
        batches[2].Goal.ShouldBe($"restore and validate the 1 site(s) of batch 3 of 3 of restore job {job.Id}");
        batches.Sum(s => s.Restore!.Failed).ShouldBe(1);
    }

    [Fact]
    public async Task BadRestoreStreamRequests_AreRefused_NamingWhatToDo_AndOpenNothing()
    {
        var sites = await SitesAsync("eu-west", 2);
        var stranger = await SitesAsync("eu-west", 1);
        var plan = await DeleteAsync(stranger);
        var job = await Platform.Restores.StartAsync(new RestoreJobRequest("someone else's restore") { Plan = plan.Id });
        var incident = await fixture.Desk.DeclareAsync(new IncidentDeclaration { Title = "two sites broken", Type = "mass-deletion", Severity = IncidentSeverity.Sev2, Sites = sites });
        await fixture.Desk.JoinAsync(incident.Id, "lena");
        var missing = RestoreJobId.Parse(job.Id.Value[..^1] + (job.Id.Value[^1] == 'z' ? 'y' : 'z'));

        (await fixture.RefusedAsync(() => fixture.Desk.OpenRestoreStreamsAsync(incident.Id, new RestoreStreamsOpening { Job = missing, Lead = "lena" })))
            .ShouldBe($"restore job {missing} does not exist in this environment: check the ID (lifeboat restore list). Nothing was opened.");
        (await fixture.RefusedAsync(() => fixture.Desk.OpenRestoreStreamsAsync(incident.Id, new RestoreStreamsOpening { Job = job.Id, Lead = "lena" })))
            .ShouldBe($"restore job {job.Id} restores none of incident {incident.Id}'s 2 site(s): name a job of its sites, or add the job's sites to the incident first (POST /api/incidents/{incident.Id}/sites). Nothing was opened.");
        await fixture.Desk.TrackSitesAsync(incident.Id, stranger);
        (await fixture.RefusedAsync(() => fixture.Desk.OpenRestoreStreamsAsync(incident.Id, new RestoreStreamsOpening { Job = job.Id, Lead = "zoe" })))
            .ShouldStartWith($"zoe is not a participant of incident {incident.Id}, so they cannot be the lead of restore job {job.Id}'s streams: add them first");
        (await fixture.RefusedAsync(() => fixture.Desk.OpenRestoreStreamsAsync(incident.Id, new RestoreStreamsOpening { Job = job.Id, Lead = "lena", By = RestoreStreamGrouping.Batch, BatchSize = 0 })))
            .ShouldBe("a batch size of 0 is not 1 to 10,000 sites: give how many sites each stream takes (\"batchSize\": 50). Nothing was opened.");
        (await fixture.RefusedAsync(() => fixture.Desk.OpenRestoreStreamsAsync(incident.Id, new RestoreStreamsOpening { Job = job.Id, Lead = "lena", By = RestoreStreamGrouping.Batch })))
            .ShouldStartWith("a batch size of none is not 1 to 10,000 sites");
        (await fixture.RefusedAsync(() => fixture.Desk.OpenRestoreStreamsAsync(incident.Id, new RestoreStreamsOpening { Job = job.Id, Lead = "lena", BatchSize = 5 })))
            .ShouldStartWith("a batch size goes with streams by batch, not by region");

        // A site tracked since the declaration counts: the job now shares one with the incident.
        (await fixture.Desk.OpenRestoreStreamsAsync(incident.Id, new RestoreStreamsOpening { Job = job.Id, Lead = "lena" })).ShouldHaveSingleItem().Sites.ShouldBe(stranger);
    }

    [Fact]
    public async Task TheEvidencePass_OpensAJobsRegionStreams_LedByTheCommander_AndWithoutOneSaysSoOnce()
    {
        var sites = await SitesAsync("ap-southeast", 2);
        var plan = await DeleteAsync(sites);
        var incident = await fixture.Desk.DeclareAsync(new IncidentDeclaration { Title = "two sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev2, Sites = sites });
        var job = await Platform.Restores.StartAsync(new RestoreJobRequest($"{incident.Id}: put them back") { Plan = plan.Id });
        var lifeboat = fixture.As("lifeboat").WithSource("evidence");

        await lifeboat.GatherEvidenceAsync(incident.Id);
        await lifeboat.GatherEvidenceAsync(incident.Id);
        (await fixture.Desk.StreamsAsync(incident.Id)).ShouldBeEmpty("no commander to lead them");
        (await fixture.Desk.TimelineAsync(incident.Id)).Count(e => e.Kind == "restore-streams").ShouldBe(1, "said once, not at every pass");

        await fixture.Desk.AssignAsync(incident.Id, IncidentRole.Commander, "erin");
        await lifeboat.GatherEvidenceAsync(incident.Id);
        await lifeboat.GatherEvidenceAsync(incident.Id);
        var stream = (await fixture.Desk.StreamsAsync(incident.Id)).ShouldHaveSingleItem();
        (stream.Slug, stream.Lead, stream.OpenedBy, stream.RestoreJob, stream.Restore!.Sites).ShouldBe(("restore-ap-southeast", "erin", "lifeboat", job.Id, 2));
    }

    private async Task<List<SiteId>> SitesAsync(string region, int count)
    {
        var list = new List<SiteId>();
        for (var i = 0; i < count; i++)
        {
            var site = (await Platform.Sites.CreateAsync($"Acme {region} {Guid.NewGuid():n}", region)).Id;
            await Platform.Identity.AddUserAsync(site, "owner@example.com", "Owner");
            await Platform.Store.Blobs.PutAsync(site.Tenant, Attachments, "att-1", new MemoryStream(Encoding.UTF8.GetBytes($"screenshot of {site}")));
            list.Add(site);
        }

        return list;
    }

    /// <summary>Alters the bytes of the site's attachment on disk (read while the site is live): its restore fails validation.</summary>
    private async Task CorruptAsync(SiteId site)
    {
        var sha = (await Platform.Store.Records.GetAsync(site.Tenant, Attachments.Name, "att-1"))!.Blob!.Sha256;
        var path = Directory.EnumerateFiles(fixture.Platform.BlobDirectory, sha, SearchOption.AllDirectories).Single();
        var original = await File.ReadAllBytesAsync(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllBytesAsync(path, [.. original.Take(original.Length - 1), 0x21]);
    }

    private async Task<ChangePlan> DeleteAsync(List<SiteId> sites)
    {
        var plan = await Platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", [.. sites.Select(s => s.Value)], "the cleanup script", new Dictionary<string, string>()));
        if (plan.Decision.NeedsSecondApprover)
        {
            await Platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);
        }

        var done = await Platform.Plans.Runner.RunAsync(plan.Id);
        done.State.ShouldBe(PlanState.Completed, done.StateReason);
        return done;
    }
}
