using System.Net;
using System.Net.Http.Json;
using Lifeboat.Platform.Access;

namespace Lifeboat.Server.Tests;

/// <summary>An update over HTTP as a new user writes it: only the fields they mean, two people reviewing, and the status page showing it at once.</summary>
public sealed class UpdateApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact(Timeout = 120_000)]
    public async Task ADraftWithOnlyItsAudiencePhaseAndMessage_IsReviewedByTwoPeople_PublishedAndOnTheStatusPage()
    {
        var ct = TestContext.Current.CancellationToken;
        var suffix = Guid.NewGuid().ToString("n")[..8];
        using var commander = await fixture.ClientAsAsync($"ic-{suffix}", Roles.IncidentCommander);
        using var comms = await fixture.ClientAsAsync($"comms-{suffix}", Roles.Communications);
        var id = (await (await commander.PostAsJsonAsync("/api/incidents", new { title = "Sites gone", type = "mass-deletion", severity = 1 }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id");

        await (await commander.PostAsJsonAsync($"/api/incidents/{id}/roles", new { role = "commander", person = $"ic-{suffix}" }, ct)).ShouldBeJsonAsync();

        var noPhase = await (await comms.PostAsJsonAsync($"/api/incidents/{id}/updates", new { audience = "public" }, ct)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        noPhase.Detail.ShouldContain("the update has no phase");

        var message = $"Some sites lost their apps; we are restoring them ({suffix}).";
        var draft = await (await comms.PostAsJsonAsync($"/api/incidents/{id}/updates", new { audience = "public", phase = "investigating", message }, ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        draft.Str("subject").ShouldStartWith("[Investigating]");
        var number = draft["number"]!.GetValue<int>();
        await (await commander.PostAsync($"/api/incidents/{id}/updates/{number}/approve", null, ct)).ShouldBeJsonAsync(HttpStatusCode.OK);
        await (await comms.PostAsync($"/api/incidents/{id}/updates/{number}/double-check", null, ct)).ShouldBeJsonAsync(HttpStatusCode.OK);
        var published = await (await comms.PostAsync($"/api/incidents/{id}/updates/{number}/publish", null, ct)).ShouldBeJsonAsync(HttpStatusCode.OK);
        published.Str("state").ShouldBe("Published");

        using var anyone = fixture.AnonymousClient();
        var status = await anyone.GetStringAsync("/status/index.json", ct);
        status.ShouldContain(id);
        status.ShouldContain(message);

        // As a static site answers: a browser's revalidation costs no body, HEAD has none, and /status leads to /status/.
        var first = await anyone.GetAsync("/status/", ct);
        first.Content.Headers.ContentType!.ToString().ShouldBe("text/html; charset=utf-8");
        first.Headers.CacheControl!.ToString().ShouldBe("public, max-age=5");
        var etag = first.Headers.ETag.ShouldNotBeNull();
        using var again = new HttpRequestMessage(HttpMethod.Get, "/status/index.html") { Headers = { IfNoneMatch = { etag } } };
        (await anyone.SendAsync(again, ct)).StatusCode.ShouldBe(HttpStatusCode.NotModified);
        using var head = new HttpRequestMessage(HttpMethod.Head, "/status/feed.atom");
        var headed = await anyone.SendAsync(head, ct);
        (headed.StatusCode, headed.Content.Headers.ContentType!.MediaType).ShouldBe((HttpStatusCode.OK, "application/atom+xml"));
        (await headed.Content.ReadAsByteArrayAsync(ct)).ShouldBeEmpty();
        var bare = await anyone.GetAsync("/status", ct);
        (bare.StatusCode, bare.Headers.Location!.ToString()).ShouldBe((HttpStatusCode.Redirect, "/status/"));
        (await anyone.GetAsync("/status/nothing-here.txt", ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
