using Lifeboat.Platform;

namespace Lifeboat.Incidents.Tests;

public sealed class SeveritySuggestionTests
{
    [Theory]
    [InlineData(0, 0, 0, IncidentSeverity.Sev4)]
    [InlineData(1, 0, 0, IncidentSeverity.Sev3)]
    [InlineData(0, 0, 9_999, IncidentSeverity.Sev3)]
    [InlineData(9, 9, 9_999, IncidentSeverity.Sev3)]
    [InlineData(10, 0, 0, IncidentSeverity.Sev2)]
    [InlineData(0, 10, 0, IncidentSeverity.Sev2)]
    [InlineData(0, 0, 10_000, IncidentSeverity.Sev2)]
    [InlineData(99, 99, 999_999, IncidentSeverity.Sev2)]
    [InlineData(100, 0, 0, IncidentSeverity.Sev1)]
    [InlineData(0, 100, 0, IncidentSeverity.Sev1)]
    [InlineData(1, 1, 1_000_000, IncidentSeverity.Sev1)]
    [InlineData(883, 775, 0, IncidentSeverity.Sev1)]
    public void Suggest_TakesTheHighestBandAnyMeasureReaches(int sites, int customers, long records, IncidentSeverity expected)
    {
        var suggestion = SeveritySuggestion.Suggest(new MeasuredImpact(sites, customers, records));
        suggestion.Severity.ShouldBe(expected);
        suggestion.Reason.ShouldStartWith($"{sites} sites, {customers} customers, {records} records at risk");
    }

    [Fact]
    public void Suggest_RefusesNegativeCounts_NamingThem()
    {
        var refused = Should.Throw<PlatformException>(() => SeveritySuggestion.Suggest(new MeasuredImpact(3, -1, 0)));
        refused.Kind.ShouldBe(PlatformErrorKind.Invalid);
        refused.Message.ShouldContain("customers -1");
    }

    [Fact]
    public async Task Severity_IsSetByAPerson_OnTheTimeline_AndASameSeverityIsRefused()
    {
        await using var fixture = new DeskFixture();
        await fixture.InitializeAsync();
        var incident = await fixture.DeclareAsync(severity: IncidentSeverity.Sev3);
        var suggested = SeveritySuggestion.Suggest(new MeasuredImpact(120, 80, 0));

        var raised = await fixture.As("bob").SetSeverityAsync(incident.Id, suggested.Severity, suggested.Reason);

        raised.Severity.ShouldBe(IncidentSeverity.Sev1);
        raised.ChangedBy.ShouldBe("bob");
        var latest = (await fixture.Desk.TimelineAsync(incident.Id, limit: 1)).ShouldHaveSingleItem();
        latest.Kind.ShouldBe("severity");
        latest.Actor.ShouldBe("bob");
        latest.Text.ShouldStartWith("severity SEV3 → SEV1: 120 sites");
        (await fixture.RefusedAsync(() => fixture.Desk.SetSeverityAsync(incident.Id, IncidentSeverity.Sev1)))
            .ShouldContain("is already SEV1");
        (await fixture.RefusedAsync(() => fixture.Desk.SetSeverityAsync(incident.Id, (IncidentSeverity)7)))
            .ShouldContain("severity 7 does not exist");
    }
}
