using System.Text.Json;
using Lifeboat.Communication;
using Lifeboat.Communication.Updates;
using Lifeboat.Drill.Incident;
using Lifeboat.Drill.Report;
using Lifeboat.Incidents;
using Lifeboat.Sample.Seeding;

namespace Lifeboat.Drill.Tests;

public sealed class DrillTests(DrillFixture fixture) : IClassFixture<DrillFixture>
{
    private static readonly MachineInfo Machine = new(2, 1L << 34, "PostgreSQL (test)", "Linux");

    [Fact]
    public async Task ASmallDrill_RefusesTheScript_DetectsTheDeletions_RestoresEverySite_AndLosesNothing()
    {
        var options = new DrillOptions { Sites = 12, Size = SeedSize.Small, InternalSites = 2, Pace = TimeSpan.FromMilliseconds(150), RunbookFolder = TestFiles.RepositoryRunbooks() };
        await using var platform = await fixture.OpenAsync(options);

        var report = await new DrillRunner(platform, options).RunAsync(Machine);

        report.Complete.ShouldBeTrue();
        report.Act1!.Refused.ShouldBeTrue();
        report.Act1.Message.ShouldContain("12 are site IDs (site_…)");
        report.Act1.Message.ShouldContain("but an app installation ID (ain_…) is expected here");
        report.Act2!.OverrideAudited.ShouldBeTrue();
        report.Act2.Halted.ShouldBeTrue();
        report.SitesAffected.ShouldBe(3, "the breaker refuses the fourth deletion in its own transaction");
        report.DetectionSeconds.ShouldNotBeNull();
        report.DetectionSeconds.Value.ShouldBeLessThan(60);
        (report.SitesRestored, report.SitesFailedValidation, report.LostWrites, report.RpoSeconds).ShouldBe((report.SitesAffected, 0, 0L, (double?)0));
        report.Act3!.EqualToBeforeTheDamage.ShouldBeTrue();
        report.RtoSeconds.ShouldNotBeNull();
        report.Load!.Writes.ShouldBeGreaterThan(0);
        report.Load.During.Writes.ShouldBeGreaterThan(0, "the other sites kept writing while the restore ran");
        report.Load.TargetedWrites.ShouldBeGreaterThan(0, "the targeted sites' customers wrote until their site was deleted; lost_writes counts those too");
        var deletedAt = report.Sites.Where(s => s.DeletedAt is not null).Select(s => s.RecoveryPoint).ToList();
        deletedAt.Distinct().Count().ShouldBe(deletedAt.Count, "each site went back to the instant before its own deletion");
        report.Act3.RecoveryPoint.ShouldStartWith("per site, position:");
        report.Passed.ShouldBeTrue();
        var policy = await platform.Policy.ReadAsync();
        (policy.ProposedBy, policy.ApprovedBy).ShouldBe(DrillRunner.PolicyOperators, "the drill's policy is put in force by two people, as any policy is");
        policy.Policy.AllowDrillOverride.ShouldBeTrue();
        foreach (var site in report.Sites.Where(s => s.State == "Restored"))
        {
            (await platform.Sites.GetAsync(Platform.SiteId.Parse(site.Site))).State.ShouldBe(Storage.TenantState.Active);
        }
    }

    [Fact]
    public async Task ASmallDrill_RunsTheWholeIncident_FromTheAlertToTheRetrospective_AndReachesEveryAffectedCustomer()
    {
        var options = new DrillOptions { Sites = 20, Size = SeedSize.Small, InternalSites = 3, Pace = TimeSpan.FromMilliseconds(100), RunbookFolder = TestFiles.RepositoryRunbooks() };
        await using var platform = await fixture.OpenAsync(options);

        var report = await new DrillRunner(platform, options).RunAsync(Machine);

        report.Passed.ShouldBeTrue(string.Join("; ", report.Incident?.Problems ?? []));
        var i = report.Incident.ShouldNotBeNull();
        // One damage, one incident: the breaker's halt declares it and the alert a moment later joins it.
        await using var incidents = await IncidentDesk.OpenAsync(platform);
        var listed = await incidents.ListAsync(new IncidentQuery { Limit = IncidentQuery.MaxLimit });
        listed.Count.ShouldBe(1);
        var incident = await incidents.GetAsync(IncidentId.Parse(i.Incident));
        (incident.Type, incident.Alert?.Value, incident.Sites.Count).ShouldBe(("mass-deletion", report.Act2!.Alert, report.SitesAffected),
            "the incident lists the sites deleted, not the targets the script never reached");
        (i.Commander, i.BackupCommander, i.FreezeOn).ShouldBe((IncidentResponse.Commander, IncidentResponse.BackupCommander, true));
        i.ChecklistItems.ShouldBeGreaterThan(4, "the mass-deletion runbook's checklist is posted");
        i.ChecklistTicked.ShouldBeGreaterThan(0, "the checklist ticks itself from what the platform shows");

        // The first public update went through the review step: approved by one person, double-checked by another.
        await using var comms = await CommunicationDesk.OpenAsync(platform, incidents);
        var updates = await comms.UpdatesAsync(incident.Id, publishedOnly: true);
        var first = updates.Where(u => u.Audience == UpdateAudience.Public).MinBy(u => u.PublishedAt).ShouldNotBeNull();
        (first.Phase, first.ApprovedBy, first.CheckedBy).ShouldBe((UpdatePhase.Investigating, IncidentResponse.CommunicationsLead, IncidentResponse.Commander));
        first.Subject.ShouldBe($"[Investigating] {report.SitesAffected} sites deleted by a change before it was halted", "customers read what happened, not the product's IDs");
        i.FirstPublicUpdateSeconds!.Value.ShouldBeLessThan(60);
        updates.ShouldContain(u => u.Audience == UpdateAudience.Public && u.Phase == UpdatePhase.Recovered);
        updates.ShouldContain(u => u.Audience == UpdateAudience.Public && u.Subject.Contains('%', StringComparison.Ordinal), "the restore drove a [Restoring N%] update");
        i.Recovered.ShouldBeTrue();

        // Every affected customer (the owners of the deleted sites) was reached, counted where the mail server delivered it.
        i.MailServer.ShouldContain("127.0.0.1:25");
        i.CustomersAffected.ShouldBeGreaterThan(0);
        (i.CustomersReached, i.CustomersToldBack).ShouldBe((i.CustomersAffected, i.CustomersAffected));
        i.EveryCustomerReachedSeconds!.Value.ShouldBeLessThan(120);
        i.MessagesDelivered.ShouldBe(i.MessagesSent);
        i.CustomerPagesIssued.ShouldBeGreaterThanOrEqualTo(i.CustomersAffected);
        i.UpdatesPerAudience["customer"].ShouldBe(i.CustomersAffected, "each customer was told their own sites are back");

        // A customer with no login filed with an address and the old URL, and landed on the right account, site and incident.
        var support = i.Support.ShouldNotBeNull();
        (support.Tried, support.Matched, support.Problem).ShouldBe((true, true, (string?)null));
        i.IncidentTickets.ShouldBe(report.SitesAffected, "one incident ticket per affected site");

        var handoff = i.Handoff.ShouldNotBeNull();
        (handoff.From, handoff.To).ShouldBe((IncidentResponse.Commander, IncidentResponse.BackupCommander));
        handoff.AcknowledgedAt.ShouldNotBeNull();
        (await incidents.RolesAsync(incident.Id)).ShouldContain(r => r.Role == IncidentRole.Commander && r.Slot == RoleSlot.Holder && r.Person == IncidentResponse.BackupCommander);

        i.Phase.ShouldBe("resolved");
        var retrospective = i.Retrospective.ShouldNotBeNull();
        retrospective.Drill.ShouldBeTrue();
        retrospective.TimelineEvents.ShouldBeGreaterThan(5);
        retrospective.FiguresMeasured.ShouldBe(retrospective.Figures, "every figure of the draft is measured: the internal update went out, and support's tickets are counted");
        report.RetrospectiveMarkdown.ShouldNotBeNull().ShouldContain("Time to the first public update");
    }

    [Fact]
    public async Task ADrillWhoseMailIsNotDelivered_Fails_AndNamesTheCustomersNotReached()
    {
        // The mail server takes the messages, but they never reach the mailbox the drill counts in: customers were not reached.
        var elsewhere = Path.Combine(fixture.Home, "empty-maildir");
        Directory.CreateDirectory(elsewhere);
        var options = new DrillOptions
        {
            Sites = 6, Size = SeedSize.Small, InternalSites = 1, Pace = TimeSpan.FromMilliseconds(100), Maildir = elsewhere, DeliveryWait = TimeSpan.FromSeconds(2),
        };
        await using var platform = await fixture.OpenAsync(options);

        var report = await new DrillRunner(platform, options).RunAsync(Machine);

        (report.SitesRestored, report.LostWrites).ShouldBe((report.SitesAffected, 0L), "the data is back; only the telling failed");
        var i = report.Incident.ShouldNotBeNull();
        i.CustomersReached.ShouldBe(0);
        i.CustomersAffected.ShouldBeGreaterThan(0);
        i.Problems.ShouldContain(p => p.Contains("affected customers were not reached", StringComparison.Ordinal) && p.Contains("acct_", StringComparison.Ordinal));
        report.Passed.ShouldBeFalse();
    }

    [Fact]
    public async Task AtFullSpeed_TheBreakerStopsTheScriptAtTheSameDeletion()
    {
        var options = new DrillOptions { Sites = 10, Size = SeedSize.Small, InternalSites = 1, Pace = TimeSpan.Zero };
        await using var platform = await fixture.OpenAsync(options);

        var report = await new DrillRunner(platform, options).RunAsync(Machine);

        report.Act2!.Halted.ShouldBeTrue();
        report.SitesAffected.ShouldBe(3, "with no pace at all, the fourth deletion is refused as at the default pace");
        report.SitesRestored.ShouldBe(3);
        report.Passed.ShouldBeTrue();
    }

    [Fact]
    public async Task WithNoHalt_TheScriptDeletesEverySite_AndEveryOneIsRestored()
    {
        var options = new DrillOptions { Sites = 8, Size = SeedSize.Small, InternalSites = 1, Pace = TimeSpan.Zero, NoHalt = true };
        await using var platform = await fixture.OpenAsync(options);

        var report = await new DrillRunner(platform, options).RunAsync(Machine);

        report.Act2!.Halted.ShouldBeFalse();
        report.SitesAffected.ShouldBe(8);
        report.SitesRestored.ShouldBe(8);
        report.Passed.ShouldBeTrue();
    }

    [Fact]
    public async Task TheReport_IsJsonWithTheDocumentedFields_AndAPageThatDrawsItsChartsInChromium_WithoutTheNetwork()
    {
        var options = new DrillOptions { Sites = 6, Size = SeedSize.Small, InternalSites = 1, Pace = TimeSpan.FromMilliseconds(100) };
        await using var platform = await fixture.OpenAsync(options);
        var report = await new DrillRunner(platform, options).RunAsync(Machine);
        var directory = Path.Combine(fixture.Home, "report");

        var (jsonPath, htmlPath) = await DrillReportWriter.WriteAsync(report, directory);

        using (var json = JsonDocument.Parse(await File.ReadAllTextAsync(jsonPath)))
        {
            var root = json.RootElement;
            root.GetProperty("schema").GetString().ShouldBe("lifeboat.drill-report/1");
            foreach (var field in new[] { "sites_affected", "detection_seconds", "rto_seconds", "rpo_seconds", "lost_writes", "sites_restored", "sites_failed_validation" })
            {
                root.TryGetProperty(field, out _).ShouldBeTrue($"the report has {field}");
            }

            root.GetProperty("sites_affected").GetInt32().ShouldBe(report.SitesAffected);
        }

        // People read the file too: the refusal's quotes and ellipses are written as they are, not as \u escapes.
        (await File.ReadAllTextAsync(jsonPath)).ShouldContain(report.Act1!.Message);

        var (playwright, browser) = await Chromium.LaunchAsync();
        try
        {
            var page = await browser.NewPageAsync();
            var requests = new List<string>();
            var errors = new List<string>();
            page.Request += (_, request) => requests.Add(request.Url);
            page.Console += (_, message) =>
            {
                if (message.Type == "error")
                {
                    errors.Add(message.Text);
                }
            };
            page.PageError += (_, error) => errors.Add(error);
            await page.GotoAsync(new Uri(htmlPath).AbsoluteUri);

            (await page.TextContentAsync("#verdict")).ShouldBe("PASSED");
            (await page.TextContentAsync("#headline") ?? "").ShouldContain($"Sites affected{report.SitesAffected}");
            (await page.TextContentAsync("#refusal") ?? "").ShouldContain("is a site ID (site_…), but an app installation ID (ain_…) is expected here");
            var comparison = await page.TextContentAsync("#comparison") ?? "";
            comparison.ShouldContain("up to 14 days");
            foreach (var row in new[] { "First public acknowledgement", "First broad external message", "Affected customers reached", "Customers able to file support without a login",
                         "Every customer told their data is back", "Reminders that fired" })
            {
                comparison.ShouldContain(row);
            }

            comparison.ShouldContain($"{report.Incident!.CustomersReached} of {report.Incident.CustomersAffected}");
            (await page.TextContentAsync("#acts") ?? "").ShouldContain("retrospective drafted");
            var drawn = await page.EvaluateAsync<int[]>("() => ['progress-chart', 'latency-chart'].map(id => Chart.getChart(document.getElementById(id)).data.datasets.reduce((n, d) => n + d.data.length, 0))");
            drawn.ShouldAllBe(points => points > 0, "both charts have points drawn");
            (await page.Locator("#sites tbody tr").CountAsync()).ShouldBe(report.SitesAffected);
            errors.ShouldBeEmpty();
            requests.ShouldAllBe(url => url.StartsWith("file://", StringComparison.Ordinal), "the page fetches nothing");
            (await Axe.SeriousViolationsAsync(page)).ShouldBeEmpty("the report passes axe-core on a laptop");
            await page.SetViewportSizeAsync(390, 844);
            // The charts redraw for the new width when their resize observer fires: give the page its moment, then name what is too wide.
            var fits = await page.WaitForFunctionAsync("() => document.documentElement.scrollWidth <= window.innerWidth + 1", null, new() { Timeout = 10_000 })
                .ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);
            fits.ShouldBeTrue("the report fits a phone's width; wider than the screen: " + await page.EvaluateAsync<string>(
                "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(', ')"));
            (await Axe.SeriousViolationsAsync(page)).ShouldBeEmpty("the report passes axe-core on a phone");
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    [Fact]
    public async Task ADrill_RefusesADatabaseWithSitesThatAreNotItsOwn()
    {
        var options = new DrillOptions { Sites = 3, Size = SeedSize.Small, InternalSites = 0 };
        await using var platform = await fixture.OpenAsync(options);
        await platform.WithActor("ops").Sites.CreateAsync("A real customer", "eu-west");

        var e = await Should.ThrowAsync<DrillException>(() => new DrillRunner(platform, options).RunAsync(Machine));

        e.Message.ShouldContain("this database holds 1 site(s) the drill did not create");
        (await platform.Sites.ListAsync()).Count.ShouldBe(1, "nothing was provisioned");
    }

    [Fact]
    public async Task AnInterruptedDrill_StopsItsLoad_HaltsWhatItStarted_AndReportsItselfIncomplete()
    {
        var options = new DrillOptions { Sites = 30, Size = SeedSize.Small, InternalSites = 0, Pace = TimeSpan.FromMilliseconds(300), NoHalt = true };
        await using var platform = await fixture.OpenAsync(options);
        using var interrupt = new CancellationTokenSource();
        var observer = new InterruptOnPhase("act2", interrupt);

        var report = await new DrillRunner(platform, options, observer).RunAsync(Machine, interrupt.Token);

        report.Complete.ShouldBeFalse();
        report.InterruptedDuring.ShouldBe("act2");
        report.Passed.ShouldBeFalse();
        var plan = (await platform.Plans.ListAsync()).Single(p => p.Action == "delete-site");
        plan.State.ShouldBe(Platform.Plans.PlanState.Aborted, "an interrupted drill leaves no script running");
        var writes = report.Load!.Writes;
        await Task.Delay(500);
        report.Load.Writes.ShouldBe(writes);
    }

    [Theory]
    [InlineData(0, "at least 1 site")]
    [InlineData(-5, "at least 1 site")]
    [InlineData(60_000, "beyond what a drill runs")]
    public void BadSizes_AreRefusedBeforeAnythingStarts(int sites, string message)
    {
        Should.Throw<DrillException>(() => new DrillOptions { Sites = sites, InternalSites = 0 }.Validate()).Message.ShouldContain(message);
    }

    [Fact]
    public void ADrillTheDiskCannotHold_IsRefusedWithTheEstimate()
    {
        var options = new DrillOptions { Sites = 40_000, Size = SeedSize.Large };
        var capacity = new Capacity(BytesNeeded: options.Sites * Capacity.BytesPerSite(SeedSize.Large), BytesFree: 20L << 30, TimeSpan.FromHours(1));

        var e = Should.Throw<DrillException>(() => capacity.Require(options, "/data"));

        e.Message.ShouldContain("needs about 223.5 GiB of disk; /data has 20.0 GiB free");
        e.Message.ShouldContain("--sites");
    }

    [Fact]
    public async Task TheDefaultReportFolder_IsIgnoredByTheRepository_SoADrillRunFromACloneLeavesItClean()
    {
        var check = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = TestFiles.RepositoryRoot(), UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "check-ignore", "--no-index", "-q", $"{DrillReportWriter.DefaultFolder}/{DrillReportWriter.JsonFile}" })
        {
            check.ArgumentList.Add(arg);
        }

        using var git = System.Diagnostics.Process.Start(check)!;
        await git.WaitForExitAsync(TestContext.Current.CancellationToken);
        git.ExitCode.ShouldBe(0, $"git check-ignore says {DrillReportWriter.DefaultFolder}/ is not ignored: {await git.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken)}");
    }

    /// <summary>Cancels the drill as soon as it reaches a phase: what Ctrl-C does.</summary>
    private sealed class InterruptOnPhase(string phase, CancellationTokenSource interrupt) : IDrillObserver
    {
        public void Phase(string name, string description, int total)
        {
        }

        public void Progress(string name, int done, string? detail = null)
        {
            if (name == phase && done >= 2)
            {
                interrupt.Cancel();
            }
        }

        public void Note(string message)
        {
        }
    }
}
