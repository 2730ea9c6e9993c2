using System.Text.Json;
using System.Xml.Linq;
using Lifeboat.Communication.StatusPages;
using Lifeboat.Communication.Updates;

namespace Lifeboat.Communication.Tests;

/// <summary>The public status page: rendered to static files on every publish, from published public updates only.</summary>
public sealed class StatusPageTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "lifeboat-status-" + Guid.NewGuid().ToString("n"));
    private readonly CommsFixture _fixture = new();
    private CommunicationDesk _desk = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _fixture.InitializeAsync();
        await _fixture.Platform.Platform.Provisioning.RegisterProductAsync(PlatformFixture.Wiki, "Wiki", Ct);
        _desk = await CommunicationDesk.OpenAsync(_fixture.Platform.Platform.WithActor("alice"), _fixture.Incidents, new CommunicationOptions { StatusFolder = _folder }, Ct);
    }

    [Fact]
    public void ANewEnvironment_WithNoProductListed_SaysSo_InsteadOfAnEmptyTable()
    {
        var html = StatusPageWriter.HtmlOf(new StatusSnapshot(DateTimeOffset.UnixEpoch, [], []), "Service status");
        html.ShouldContain("No product is listed yet.");
        html.ShouldContain("All systems operational");
    }

    [Fact]
    public async Task APublishedPublicUpdateIsOnThePageAtOnce_AsHtmlJsonAndAtom_ADraftOrAnInternalUpdateNever()
    {
        var (incident, plan, _) = await _fixture.DeletedSitesAsync(2);
        await _desk.DraftUpdateAsync(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Investigating, Message = "draft: not yet" }, Ct);
        await Publish(incident.Id, new UpdateDraft { Audience = UpdateAudience.Internal, Phase = UpdatePhase.Investigating, Message = "internal only" });
        File.Exists(Path.Combine(_folder, StatusPageWriter.Html)).ShouldBeFalse("nothing public was published yet");

        var first = await Publish(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Investigating, Message = "Some sites are unavailable. <b>We are on it</b> & will report back." });
        var html = await File.ReadAllTextAsync(Path.Combine(_folder, StatusPageWriter.Html), Ct);
        html.ShouldContain("[Investigating]");
        html.ShouldContain("&lt;b&gt;We are on it&lt;/b&gt; &amp; will report back.", customMessage: "the body is shown as text");
        html.ShouldNotContain("<b>We are on it</b>");
        html.ShouldNotContain("draft: not yet");
        html.ShouldNotContain("internal only");
        html.ShouldNotContain("<script", customMessage: "the page needs no script");
        html.ShouldContain("Some systems are down");

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, StatusPageWriter.Json), Ct));
        var wiki = json.RootElement.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("key").GetString() == "prd_wiki@eu-west");
        wiki.GetProperty("state").GetString().ShouldBe("outage");
        json.RootElement.GetProperty("components").EnumerateArray().Where(c => c.GetProperty("region").GetString() != "eu-west")
            .ShouldAllBe(c => c.GetProperty("state").GetString() == "operational", "only the region of the deleted sites is touched");
        var shown = json.RootElement.GetProperty("incidents").EnumerateArray().Single();
        shown.GetProperty("updates").EnumerateArray().Single().GetProperty("number").GetInt32().ShouldBe(first.Number);

        var atom = XDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, StatusPageWriter.Atom), Ct));
        XNamespace ns = "http://www.w3.org/2005/Atom";
        atom.Root!.Elements(ns + "entry").Select(e => e.Element(ns + "title")!.Value).ShouldBe([first.Subject]);

        await _fixture.RestoreAsync(plan);
        var monitoring = await Publish(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Monitoring });
        monitoring.Label.ShouldBe("[Monitoring]");
        (await _desk.StatusAsync(Ct)).Components.Single(c => c.Component.Key == "prd_wiki@eu-west").State.ShouldBe(ComponentState.Degraded);

        await Publish(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Recovered });
        var after = await File.ReadAllTextAsync(Path.Combine(_folder, StatusPageWriter.Html), Ct);
        after.ShouldContain("All systems operational");
        after.IndexOf("Past incidents", StringComparison.Ordinal).ShouldBeLessThan(after.IndexOf("[Recovered]", StringComparison.Ordinal), customMessage: "a recovered incident moves to the past");
        Directory.EnumerateFiles(_folder).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList().ShouldBe(["feed.atom", "index.html", "index.json"], "no half-written file is left behind");
    }

    private async Task<IncidentUpdate> Publish(Lifeboat.Incidents.IncidentId incident, UpdateDraft draft)
    {
        var drafted = await _desk.DraftUpdateAsync(incident, draft, Ct);
        await _desk.WithActor("dana").ApproveUpdateAsync(incident, drafted.Number, Ct);
        await _desk.WithActor("erin").DoubleCheckUpdateAsync(incident, drafted.Number, Ct);
        return await _desk.WithActor("frank").PublishUpdateAsync(incident, drafted.Number, Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _desk.DisposeAsync();
        await _fixture.DisposeAsync();
        TestFiles.DeleteTree(_folder);
    }
}
