using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;

namespace Lifeboat.Incidents.Tests;

/// <summary>A site came back (a real restore job) and its customer was not told: one reminder, until a customer update is recorded.</summary>
public sealed class CustomerNotUpdatedTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    private LifeboatPlatform Platform => fixture.Platform.Platform;

    [Fact]
    public async Task RestoredSitesWithoutACustomerUpdate_AreOneReminder_SnoozedLikeTheOthers_AndClearedByTheUpdate()
    {
        var sites = new List<SiteId>();
        for (var i = 0; i < 3; i++)
        {
            var site = (await Platform.Sites.CreateAsync($"Customer {i} {Guid.NewGuid():n}", "eu-west")).Id;
            await Platform.Identity.AddUserAsync(site, "owner@example.com", "Owner");
            sites.Add(site);
        }

        var plan = await Platform.Plans.SubmitAsync(new PlanRequest("delete-site", "site", [.. sites.Select(s => s.Value)], "the cleanup script", new Dictionary<string, string>()));
        if (plan.Decision.NeedsSecondApprover)
        {
            await Platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);
        }

        (await Platform.Plans.Runner.RunAsync(plan.Id)).State.ShouldBe(PlanState.Completed);
        // SEV4 owes no update by the clock: every reminder below is about the restored sites.
        var incident = await fixture.Desk.DeclareAsync(new IncidentDeclaration { Title = "three sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev4, Sites = sites });
        (await fixture.Desk.RemindersDueAsync(incident.Id)).ShouldBeEmpty("nothing came back yet");

        var job = await Platform.Restores.StartAsync(new RestoreJobRequest($"{incident.Id}: put the sites back") { Plan = plan.Id });
        await using (var worker = Platform.Restores.CreateWorker("w", 3))
        {
            await worker.RunAsync(untilIdle: true);
        }

        var back = await Platform.Restores.SitesAsync(job.Id);
        back.ShouldAllBe(s => s.State == SiteRestoreState.Restored);
        var first = back.Min(s => s.FinishedAt!.Value);
        var last = back.Max(s => s.FinishedAt!.Value);
        fixture.Clock.Pin(last.AddMinutes(1));
        var reminder = (await fixture.Desk.RemindersDueAsync(incident.Id)).ShouldHaveSingleItem();
        (reminder.Kind, reminder.Stream, reminder.DueSince).ShouldBe((ReminderKind.CustomerNotUpdated, null, first));
        reminder.Text.ShouldStartWith("3 site(s) came back and their customers were not told (no customer update is recorded): ");
        foreach (var site in sites)
        {
            reminder.Text.ShouldContain($"Customer {sites.IndexOf(site)} ");
            reminder.Text.ShouldContain($"({site}, back ");
        }

        reminder.Text.ShouldEndWith("; tell them their site is back and record the customer update");

        // Snoozed like the others, with a reason, until a time; due again after it.
        await fixture.Desk.SnoozeAsync(incident.Id, ReminderKind.CustomerNotUpdated, last.AddMinutes(31), "the account managers are calling each customer");
        fixture.Clock.Pin(last.AddMinutes(2));
        (await fixture.Desk.RemindersDueAsync(incident.Id)).ShouldBeEmpty();
        fixture.Clock.Pin(last.AddMinutes(40));
        (await fixture.Desk.RemindersDueAsync(incident.Id)).ShouldHaveSingleItem().Kind.ShouldBe(ReminderKind.CustomerNotUpdated);

        // A customer update after the restores clears it.
        await fixture.Desk.RecordCustomerUpdateAsync(incident.Id, "[Recovered] Your site is back; nothing was lost.");
        fixture.Clock.Pin(last.AddMinutes(41));
        (await fixture.Desk.RemindersDueAsync(incident.Id)).ShouldBeEmpty();
    }
}
