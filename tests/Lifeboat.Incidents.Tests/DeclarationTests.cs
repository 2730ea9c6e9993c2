using Lifeboat.Platform;

namespace Lifeboat.Incidents.Tests;

public sealed class DeclarationTests(DeskFixture fixture) : IClassFixture<DeskFixture>
{
    [Fact]
    public async Task Declare_StartsInvestigating_WithItsLinks_AndRecordsWhoAndWhenFromTheClock()
    {
        var site1 = await fixture.Platform.NewSiteAsync();
        var site2 = await fixture.Platform.NewSiteAsync();
        var at = new DateTimeOffset(2026, 4, 5, 7, 30, 0, TimeSpan.Zero);
        // The class shares the clock; its other tests do not depend on it.
        fixture.Clock.Pin(at);
        var incident = await fixture.As("carol").DeclareAsync(new IncidentDeclaration
        {
            Title = "  Sites gone after the legacy app cleanup ",
            Type = "mass-deletion",
            Severity = IncidentSeverity.Sev1,
            Visibility = IncidentVisibility.Public,
            Sites = [site1.Id, site2.Id],
        });

        incident.Id.Value.ShouldStartWith("inc_");
        incident.Title.ShouldBe("Sites gone after the legacy app cleanup");
        incident.Phase.ShouldBe(IncidentPhase.Investigating);
        incident.Severity.ShouldBe(IncidentSeverity.Sev1);
        incident.Visibility.ShouldBe(IncidentVisibility.Public);
        incident.Sites.ShouldBe([site1.Id, site2.Id]);
        incident.DeclaredBy.ShouldBe("carol");
        incident.DeclaredAt.ShouldBe(at);

        var timeline = await fixture.Desk.TimelineAsync(incident.Id);
        var declared = timeline.ShouldHaveSingleItem();
        declared.Kind.ShouldBe("declared");
        declared.Actor.ShouldBe("carol");
        declared.Source.ShouldBe(IncidentDesk.DefaultSource);
        declared.At.ShouldBe(at);
        declared.Text.ShouldContain("SEV1");
        declared.Text.ShouldContain("2 sites");
    }

    public static TheoryData<string, string, int, string> BadDeclarations => new()
    {
        { "", "mass-deletion", 2, "title is empty" },
        { "   ", "mass-deletion", 2, "title is empty" },
        { new string('x', 201), "mass-deletion", 2, "201 characters" },
        { "ok", "Mass Deletion", 2, "'Mass Deletion' is not a short slug" },
        { "ok", "", 2, "is not a short slug" },
        { "ok", "mass-deletion", 0, "severity 0 does not exist: give SEV1 (worst) to SEV4" },
        { "ok", "mass-deletion", 5, "severity 5 does not exist" },
    };

    [Theory]
    [MemberData(nameof(BadDeclarations))]
    public async Task Declare_RefusesBadInput_NamingIt_AndDeclaresNothing(string title, string type, int severity, string expected)
    {
        var message = await fixture.RefusedAsync(() => fixture.Desk.DeclareAsync(new IncidentDeclaration
        {
            Title = title,
            Type = type,
            Severity = (IncidentSeverity)severity,
        }));

        message.ShouldContain(expected);
        message.ShouldContain("Nothing was declared");
    }

    [Fact]
    public async Task Declare_RefusesLinksToWhatThisEnvironmentDoesNotHave()
    {
        var site = await fixture.Platform.NewSiteAsync();
        var unknownSite = SiteId.Parse("site_0000000000nosuchsite");
        (await fixture.RefusedAsync(() => fixture.Desk.DeclareAsync(Declaration([site.Id, unknownSite]))))
            .ShouldContain($"site {unknownSite} does not exist in this environment");
        (await fixture.RefusedAsync(() => fixture.Desk.DeclareAsync(Declaration([site.Id, site.Id]))))
            .ShouldContain($"site {site.Id} is linked more than once");

        var plan = PlanId.Parse("plan_0000000000nosuchplan");
        (await fixture.RefusedAsync(() => fixture.Desk.DeclareAsync(Declaration([]) with { Plan = plan })))
            .ShouldContain($"change plan {plan} does not exist");

        var alert = AlertId.Parse("alr_0000000000nosuchalert");
        (await fixture.RefusedAsync(() => fixture.Desk.DeclareAsync(Declaration([]) with { Alert = alert })))
            .ShouldContain($"alert {alert} does not exist");
    }

    [Fact]
    public async Task IncidentIds_AreParsedStrictly_NamingBothKinds()
    {
        var site = await fixture.Platform.NewSiteAsync();
        var wrong = Should.Throw<WrongIdException>(() => IncidentId.Parse(site.Id.Value));
        wrong.Message.ShouldBe($"'{site.Id}' is a site ID (site_…), but an incident ID (inc_…) is expected here.");

        var missing = await Should.ThrowAsync<PlatformException>(() => fixture.Desk.GetAsync(IncidentId.Parse("inc_0000000000nosuchincident")));
        missing.Kind.ShouldBe(PlatformErrorKind.NotFound);
        missing.Message.ShouldContain("incident inc_0000000000nosuchincident does not exist");
    }

    [Fact]
    public async Task OpeningTheDeskAgain_FindsTheSchemaMigrated_AndSeesTheSameIncidents()
    {
        var incident = await fixture.DeclareAsync("declared before the second opening");
        await using var again = await IncidentDesk.OpenAsync(fixture.Platform.Platform);
        (await again.GetAsync(incident.Id)).Title.ShouldBe("declared before the second opening");
    }

    private static IncidentDeclaration Declaration(IReadOnlyList<SiteId> sites) =>
        new() { Title = "links", Type = "mass-deletion", Severity = IncidentSeverity.Sev3, Sites = sites };
}
