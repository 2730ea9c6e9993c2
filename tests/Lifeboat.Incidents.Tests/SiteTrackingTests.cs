using System.Text;
using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;

namespace Lifeboat.Incidents.Tests;

/// <summary>Per-site restore tracking (the restore read live from a real job) and rollback risk at a glance.</summary>
public sealed class SiteTrackingTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    private LifeboatPlatform Platform => fixture.Platform.Platform;

    [Fact]
    public async Task TheTracker_ShowsEachSitesRestoreLive_WhatPeopleAdded_Filters_AndExportsSafeCsv()
    {
        var sites = new List<SiteId>();
        for (var i = 0; i < 3; i++)
        {
            var site = (await Platform.Sites.CreateAsync($"Acme {i} {Guid.NewGuid():n}", "eu-west")).Id;
            await Platform.Identity.AddUserAsync(site, "owner@example.com", "Owner");
            sites.Add(site);
        }

        var plan = await RunAsync("delete-site", "site", sites.Select(s => s.Value).ToList(), "the cleanup script");
        var incident = await fixture.Desk.DeclareAsync(new IncidentDeclaration
        {
            Title = "three sites deleted by a cleanup script", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Plan = plan.Id, Sites = sites,
        });

        var before = await fixture.Desk.SiteTrackerAsync(incident.Id);
        before.Sites.Select(s => s.Site).ShouldBe(sites.OrderBy(s => s.Value, StringComparer.Ordinal));
        before.Sites.ShouldAllBe(s => s.RestoreState == "none" && s.Validation == "none" && s.Job == null && s.Name!.StartsWith("Acme "));
        before.CountsByState["none"].ShouldBe(3);

        var job = await Platform.Restores.StartAsync(new RestoreJobRequest($"{incident.Id}: put the sites back") { Plan = plan.Id });
        await using (var worker = Platform.Restores.CreateWorker("w", 3))
        {
            await worker.RunAsync(untilIdle: true);
        }

        var restored = await fixture.Desk.SiteTrackerAsync(incident.Id);
        restored.Sites.ShouldAllBe(s => s.RestoreState == "restored" && s.Validation == "passed" && s.Job == job.Id);
        (restored.CountsByState["restored"], restored.CountsByState["none"], restored.TotalSites).ShouldBe((3, 0, 3));

        // A site found affected later joins the tracker, with no restore yet.
        var late = (await Platform.Sites.CreateAsync($"Late {Guid.NewGuid():n}", "eu-west")).Id;
        (await fixture.Desk.TrackSitesAsync(incident.Id, [late, sites[0]])).ShouldBe(1);
        (await fixture.Desk.TrackSitesAsync(incident.Id, [late])).ShouldBe(0, "tracking a site twice is not an error and adds nothing");

        await fixture.Desk.JoinAsync(incident.Id, "sam", "emea");
        (await fixture.Desk.AssignSiteEngineerAsync(incident.Id, sites[0], "SAM")).Engineer.ShouldBe("sam", "the participant's own spelling is kept");
        var confirmed = await fixture.As("sam").ConfirmSiteAsync(incident.Id, sites[0], true);
        (confirmed.Confirmation, confirmed.ConfirmedBy).ShouldBe((SiteConfirmation.Confirmed, "sam"));
        var broken = await fixture.Desk.ConfirmSiteAsync(incident.Id, sites[1], false, "invoices from May missing");
        (broken.Confirmation, broken.ConfirmationNote).ShouldBe((SiteConfirmation.StillBroken, "invoices from May missing"));
        const string Tricky = "=HYPERLINK(\"http://evil\"), called the \"owner\"\nsecond line";
        await fixture.Desk.NoteSiteAsync(incident.Id, sites[1], "first look: data is there");
        var note = await fixture.Desk.NoteSiteAsync(incident.Id, sites[1], Tricky);
        note.Text.ShouldBe($"site {sites[1]}: {Tricky}");

        var timeline = await fixture.Desk.TimelineAsync(incident.Id);
        timeline.Select(e => e.Kind).ShouldContain("site-tracking");
        timeline.Single(e => e.Kind == "site-engineer").Text.ShouldBe($"site {sites[0]}: support engineer sam");
        timeline.Where(e => e.Kind == "site-confirmation").Select(e => e.Text)
            .ShouldBe([$"site {sites[1]}: the customer reports it still broken: invoices from May missing", $"site {sites[0]}: the customer confirmed it restored"]);
        timeline.Count(e => e.Kind == "site-note").ShouldBe(2, "every note stays on the timeline; the tracker shows the last");

        async Task<IEnumerable<SiteId>> Shown(SiteTrackerFilter filter) => (await fixture.Desk.SiteTrackerAsync(incident.Id, filter)).Sites.Select(s => s.Site);
        (await Shown(new() { Confirmed = true })).ShouldBe([sites[0]]);
        (await Shown(new() { Engineer = "Sam" })).ShouldBe([sites[0]]);
        (await Shown(new() { State = "NONE" })).ShouldBe([late]);
        (await Shown(new() { Text = "HYPERLINK" })).ShouldBe([sites[1]]);
        (await Shown(new() { Text = "May invoices" })).ShouldBeEmpty("the text is found as written, not word by word");
        (await Shown(new() { State = "restored", Confirmed = false })).ShouldBe(new[] { sites[1], sites[2] }.OrderBy(s => s.Value, StringComparer.Ordinal));
        var filtered = await fixture.Desk.SiteTrackerAsync(incident.Id, new() { State = "none" });
        (filtered.TotalSites, filtered.CountsByState["restored"], filtered.CountsByState["none"]).ShouldBe((4, 3, 1), "counts are over every site of the incident");

        using var csv = new MemoryStream();
        await fixture.Desk.ExportSiteTrackerCsvAsync(incident.Id, null, csv);
        var table = ParseCsv(Encoding.UTF8.GetString(csv.ToArray()));
        table[0].ShouldBe(["site", "name", "restore_state", "validation", "job", "confirmation", "confirmed_by", "confirmed_at", "confirmation_note",
            "engineer", "last_note", "updated_at", "updated_by"]);
        table.Count.ShouldBe(5);
        var row = table.Single(r => r[0] == sites[1].Value);
        (row[2], row[3], row[4], row[5], row[8]).ShouldBe(("restored", "passed", job.Id.Value, "still-broken", "invoices from May missing"));
        row[10].ShouldBe("'" + Tricky, "a cell starting with = is kept from running as a formula");
        table.Single(r => r[0] == sites[0].Value)[9].ShouldBe("sam");
        table.Single(r => r[0] == late.Value)[2].ShouldBe("none");
    }

    [Fact]
    public async Task BadTrackingInput_IsRefused_NamingWhatToDo_AndChangesNothing()
    {
        var site = (await Platform.Sites.CreateAsync($"Tracked {Guid.NewGuid():n}", "eu-west")).Id;
        var stranger = (await Platform.Sites.CreateAsync($"Elsewhere {Guid.NewGuid():n}", "eu-west")).Id;
        var incident = await fixture.Desk.DeclareAsync(new IncidentDeclaration { Title = "one site broken", Type = "mass-deletion", Severity = IncidentSeverity.Sev3, Sites = [site] });
        var missing = SiteId.Parse("site_0000000000000000000000000z");

        (await fixture.RefusedAsync(() => fixture.Desk.NoteSiteAsync(incident.Id, stranger, "looked at it")))
            .ShouldBe($"site {stranger} is not tracked for incident {incident.Id}: add it first (POST /api/incidents/{incident.Id}/sites {{\"sites\": [\"{stranger}\"]}}), then try again. Nothing was changed.");
        (await fixture.RefusedAsync(() => fixture.Desk.AssignSiteEngineerAsync(incident.Id, site, "zoe")))
            .ShouldStartWith($"zoe is not a participant of incident {incident.Id}, so they cannot be the support engineer for site {site}: add them first");
        (await fixture.RefusedAsync(() => fixture.Desk.NoteSiteAsync(incident.Id, site, "  ")))
            .ShouldBe($"the note for site {site} is empty: write what was found or done. Nothing was added.");
        (await fixture.RefusedAsync(() => fixture.Desk.ConfirmSiteAsync(incident.Id, site, false)))
            .ShouldStartWith($"site {site} is reported still broken with no note");
        (await fixture.RefusedAsync(() => fixture.Desk.TrackSitesAsync(incident.Id, [stranger, missing])))
            .ShouldBe($"1 site(s) do not exist in this environment: {missing}. Check the IDs (lifeboat sites list). Nothing was changed.");
        (await fixture.RefusedAsync(() => fixture.Desk.TrackSitesAsync(incident.Id, [])))
            .ShouldStartWith("no sites given to track");
        (await fixture.RefusedAsync(() => fixture.Desk.SiteTrackerAsync(incident.Id, new SiteTrackerFilter { State = "gone" })))
            .ShouldBe("'gone' is not a restore state: use one of none, pending, restoring, validating, restored, failed, cancelled.");
    }

    [Fact]
    public async Task RollbackRisk_ListsAPlanRunInTheWindow_WithItsRehearsal_AndALaterPlanOnTheSameSiteAsTakenWithIt()
    {
        var first = await fixture.Platform.NewSiteAsync();
        var second = await fixture.Platform.NewSiteAsync();
        var installations = new[]
        {
            await Platform.Apps.InstallAsync(first.Id, PlatformFixture.LegacyApp),
            await Platform.Apps.InstallAsync(second.Id, PlatformFixture.LegacyApp),
        };
        var earlier = await RunAsync("uninstall-app", "app-installation", installations.Select(i => i.Id.Value).ToList(), "retire Legacy Insights");
        earlier.Rehearsal.ShouldNotBeNull("two customer sites run in two waves, the first one's rollback rehearsed");

        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        var again = await Platform.Apps.InstallAsync(first.Id, PlatformFixture.LegacyApp);
        var later = await RunAsync("uninstall-app", "app-installation", [again.Id.Value], "remove the reinstalled app");
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        var incident = await fixture.DeclareAsync("apps gone from customer sites");

        var risk = await fixture.Desk.RollbackRiskAsync(incident.Id);
        risk.From.ShouldBe(incident.DeclaredAt - TimeSpan.FromHours(24));
        risk.To.ShouldBe(fixture.Clock.GetUtcNow(), TimeSpan.FromSeconds(1));
        var a = risk.Plans.Single(p => p.Plan == earlier.Id);
        (a.Action, a.State, a.RequestedBy, a.Sites, a.Customers).ShouldBe(("uninstall-app", PlanState.Completed, earlier.RequestedBy, 2, 2));
        (a.RollbackRehearsed, a.RehearsalPassed, a.CanRollBackNow, a.WhyNot, a.TargetsApplied).ShouldBe((true, true, true, null, 2));
        a.TakenWith.ShouldBe([later.Id], "the later plan changed a site the earlier one did");
        var b = risk.Plans.Single(p => p.Plan == later.Id);
        (b.RollbackRehearsed, b.TargetsApplied).ShouldBe((false, 1));
        b.TakenWith.ShouldBeEmpty();
        risk.AuditInWindow.ShouldContain(e => e.Subject == earlier.Id.Value && e.Step == "rehearsal-passed");
        risk.FlagChangesNote.ShouldStartWith("feature-flag changes are read from the audit log");

        var narrow = await fixture.Desk.RollbackRiskAsync(incident.Id, later.StartedAt, fixture.Clock.GetUtcNow());
        narrow.Plans.Select(p => p.Plan).ShouldBe([later.Id], "a plan that started before the window is not listed");
        (await fixture.RefusedAsync(() => fixture.Desk.RollbackRiskAsync(incident.Id, fixture.Clock.GetUtcNow(), incident.DeclaredAt - TimeSpan.FromDays(1))))
            .ShouldStartWith("the window");
    }

    [Fact]
    public async Task RollbackRisk_ListsEachFlagChangedInTheWindow_WithTheSitesItTouched_HowManyAreTheIncidents_AndWhereItStandsNow()
    {
        var key = $"editor-{Guid.NewGuid().ToString("n")[..8]}";
        var (a, b, c) = ((await fixture.Platform.NewSiteAsync()).Id, (await fixture.Platform.NewSiteAsync()).Id, (await fixture.Platform.NewSiteAsync()).Id);
        await Platform.WithActor("erin").Flags.SetAsync(a, key, true);
        await Platform.WithActor("erin").Flags.SetAsync(b, key, true);
        await Platform.WithActor("frank").Flags.SetAsync(a, key, false);
        await Platform.WithActor("frank").Flags.SetAsync(c, key, true);
        var incident = await fixture.Desk.DeclareAsync(new IncidentDeclaration { Title = "editor broken", Type = "outage", Severity = IncidentSeverity.Sev2, Sites = [a, b] });

        var flag = (await fixture.Desk.RollbackRiskAsync(incident.Id)).Flags.Single(f => f.Key == key);
        flag.Sites.ShouldBe([a, b, c], ignoreOrder: true);
        (flag.IncidentSites, flag.Changes, flag.NowOn, flag.NowOff).ShouldBe((2, 4, 2, 1), "b and c are on, a was turned off again");
        flag.ChangedBy.ShouldBe(["erin", "frank"], ignoreOrder: true);
        (await Platform.Audit.OfAsync($"flag:{key}")).Count(e => e.Step == "flag-set").ShouldBe(4, "every change is audited as it is made");

        var before = (await fixture.Desk.RollbackRiskAsync(incident.Id, incident.DeclaredAt - TimeSpan.FromDays(3), incident.DeclaredAt - TimeSpan.FromDays(2))).Flags;
        before.ShouldNotContain(f => f.Key == key, "a window before the changes lists none of them");
    }

    private async Task<ChangePlan> RunAsync(string action, string kind, List<string> targets, string reason)
    {
        var plan = await Platform.Plans.SubmitAsync(new PlanRequest(action, kind, targets, reason, new Dictionary<string, string>()));
        if (plan.Decision.NeedsSecondApprover)
        {
            await Platform.WithActor("bob").Plans.ApproveAsync(plan.Id, plan.ContentHash);
        }

        var done = await Platform.Plans.Runner.RunAsync(plan.Id);
        done.State.ShouldBe(PlanState.Completed, done.StateReason);
        return done;
    }

    /// <summary>RFC 4180, read back as a spreadsheet would: quoted fields may hold commas, doubled quotes and line breaks.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(cell.ToString());
                cell.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(cell.ToString());
                cell.Clear();
                rows.Add([.. row]);
                row.Clear();
                i++;
            }
            else
            {
                cell.Append(c);
            }
        }

        row.Count.ShouldBe(0, "every row ends with CRLF");
        return rows;
    }
}
