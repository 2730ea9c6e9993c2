using System.Text.RegularExpressions;
using Lifeboat.Platform;
using Lifeboat.Platform.Restores;
using Lifeboat.Storage;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat restore` as an operator uses it, and `lifeboat store restore` refusing to take over a job's site.</summary>
public sealed partial class RestoreCommandTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static readonly CollectionDefinition Issues = new("tracker.issues", "status");

    [Fact(Timeout = 120_000)]
    public async Task StoreRestoreResume_OfARestoreJobsSite_IsRefusedNamingTheJobAndHowToRetryIt_AndTheSiteStaysClosed()
    {
        await using var platform = await OpenAsync();
        var site = (await platform.Sites.CreateAsync($"Held {Guid.NewGuid():n}", "eu-west")).Id;
        var written = await platform.Store.Records.PutAsync(site.Tenant, Issues, "iss-1", new { title = "before", status = "open" });
        // A time means what had committed by then: the write's commit time, not its stamp.
        var point = RecoveryPoint.AtTime((await platform.Store.Restores.CommittedAtAsync(written.Position))!.Value);
        await platform.Sites.DeleteAsync(site, "the script");

        // A participant that is down fails the site after the job's own steps took it: it stays Restoring, owned by the job.
        await platform.Restores.Participants.RegisterAsync("down", new Uri("http://127.0.0.1:9/lifeboat"), TimeSpan.FromMilliseconds(500));
        RestoreJobId job;
        try
        {
            job = (await platform.Restores.StartAsync(new RestoreJobRequest("bring it back") { Sites = [site], Point = point })).Id;
            await using var worker = platform.Restores.CreateWorker("w", 4);
            await worker.RunAsync(untilIdle: true);
        }
        finally
        {
            await platform.Restores.Participants.RemoveAsync("down");
        }

        (await platform.Restores.GetAsync(job)).State.ShouldBe(RestoreJobState.CompletedWithFailures);
        (await platform.Sites.GetAsync(site)).State.ShouldBe(TenantState.Restoring);

        var (exit, output) = await cli.RunAsync("store", "restore", site.Value, "--to", point.ToString(), "--resume", $"{job}/{site}");

        exit.ShouldBe(2);
        output.ShouldContain($"error: restore {job}/{site} belongs to restore job {job}, which restores, validates and reopens the site itself; it is not resumed here.");
        output.ShouldContain($"retry the job's failed sites: lifeboat restore retry {job}");
        (await platform.Sites.GetAsync(site)).State.ShouldBe(TenantState.Restoring, "the site is not reopened without the job's validation");
        (await platform.Restores.SitesAsync(job)).Single().State.ShouldBe(SiteRestoreState.Failed);

        var (again, plain) = await cli.RunAsync("store", "restore", site.Value, "--to", point.ToString());
        again.ShouldBe(2);
        plain.ShouldContain($"belongs to restore job {job}");
    }

    [Fact(Timeout = 120_000)]
    public async Task RestoreStart_ThatDiscardsWrites_IsRefusedWithoutTheFlag_WaitsForASecondPerson_AndIsUndone()
    {
        await using var platform = await OpenAsync();
        await PutPolicyInForceAsync(platform, "second-approver-above:\n  records: 0\n");
        try
        {
            await DiscardingJobAsync(platform);
        }
        finally
        {
            await PutPolicyInForceAsync(platform, "second-approver-above:\n  records: 10000\n");
        }
    }

    /// <summary>The environment's policy, proposed by one person and approved by another, as it must be.</summary>
    private static async Task PutPolicyInForceAsync(LifeboatPlatform platform, string yaml)
    {
        var proposed = await platform.WithActor("policy-author").Policy.ProposeAsync(yaml, "the test", "the test's policy");
        await platform.WithActor("policy-approver").Policy.ApproveAsync(proposed.Version, proposed.ContentHash);
    }

    private async Task DiscardingJobAsync(LifeboatPlatform platform)
    {
        var site = (await platform.Sites.CreateAsync($"Rolled {Guid.NewGuid():n}", "eu-west")).Id;
        var point = RecoveryPoint.AtPosition((await platform.Store.Tenants.GetAsync(site.Tenant)).CreatedPosition);
        await platform.Store.Records.PutAsync(site.Tenant, Issues, "iss-1", new { title = "written after the point", status = "open" });
        string[] start = ["restore", "start", "--sites", site.Value, "--to", point.ToString(), "--reason", "roll back"];

        var (refused, why) = await cli.RunAsync(start);
        refused.ShouldBe(2);
        why.ShouldContain($"would discard what was written after: site {site} to {point}: 1 live record reverted or deleted (tracker.issues 1)");

        var (started, output) = await cli.RunAsAsync("dana", [.. start, "--discard-later-writes"]);
        started.ShouldBe(0, output);
        var job = JobIdIn(output);
        output.ShouldContain("it discards 1 record(s) written after the points on 1 site(s)");
        output.ShouldContain($"It waits for a second person's approval (it discards 1 records written after the points (more than 0)): lifeboat restore approve {job}, by an approver other than dana, with their own credential");

        var (self, selfOutput) = await cli.RunAsAsync("Dana", "restore", "approve", job);
        self.ShouldBe(2);
        selfOutput.ShouldContain($"asked for restore job {job} and cannot also approve it");
        (await cli.RunAsAsync("lee", "restore", "approve", job)).Output.ShouldContain($"Restore job {job} approved by lee");
        (await cli.RunAsync("restore", "worker", "--until-idle")).Exit.ShouldBe(0);

        var (_, status) = await cli.RunAsync("restore", "status", job);
        status.ShouldContain($"Job {job} to {point}: Completed");
        status.ShouldContain("1 record(s), 1 discarded");
        status.ShouldContain($"To undo it (each restored site back to its undo point): lifeboat restore undo {job} --reason \"…\"");
        (await platform.Store.Records.GetAsync(site.Tenant, Issues.Name, "iss-1")).ShouldBeNull();

        var (undone, undo) = await cli.RunAsync("restore", "undo", job, "--reason", "we were wrong", "--wait");
        undone.ShouldBe(0, undo);
        undo.ShouldContain($"(undo:{job})");
        undo.ShouldContain("nothing written after the points is discarded");
        (await platform.Store.Records.GetAsync(site.Tenant, Issues.Name, "iss-1"))!.Document!.Value.GetProperty("title").GetString().ShouldBe("written after the point");
    }

    private async Task<LifeboatPlatform> OpenAsync() => await LifeboatPlatform.OpenAsync(new PlatformOptions
    {
        Store = new StoreOptions
        {
            ConnectionString = cli.ConnectionString,
            OwnerConnectionString = cli.Connections.Owner,
            BlobDirectory = Path.Combine(cli.Home, "blobs"),
            Actor = "test",
        },
    });

    private static string JobIdIn(string output) => JobId().Match(output).Value;

    [GeneratedRegex("rjob_[0-9a-z]{26}")]
    private static partial Regex JobId();
}
