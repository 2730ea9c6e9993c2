using System.Net;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Server;
using Lifeboat.Server.Communication;
using Lifeboat.Storage.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Lifeboat.Console.Tests;

/// <summary>
/// The server on its embedded default: no connection given, so it starts its own PostgreSQL under its home, as a new user's
/// first start does. The test can stop that PostgreSQL to see what still works.
/// </summary>
public sealed class EmbeddedServerFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public string Home { get; } = Path.Combine(Environment.GetEnvironmentVariable("LIFEBOAT_TEST_HOME") ?? "/tmp/lifeboat-tests", "embedded-" + Guid.NewGuid().ToString("n")[..12]);

    public Uri BaseAddress { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    private IPlaywright? _playwright;

    public LifeboatPlatform Platform => Services.GetRequiredService<PlatformLifetime>().Platform;

    public Lifeboat.Communication.CommunicationDesk Desk => Services.GetRequiredService<CommunicationDeskLifetime>().Desk;

    public async ValueTask InitializeAsync()
    {
        UseKestrel(0);
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        (_playwright, Browser) = await Chromium.LaunchAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Lifeboat:Home", Home);
        builder.UseSetting(DetectorService.IntervalKey, "0");
        builder.UseSetting(RestoreWorkers.WorkersKey, "0");
        builder.UseSetting(IncidentSignals.IntervalKey, "0");
        builder.UseSetting(IncidentEvidenceService.IntervalKey, "0");
        builder.UseSetting("Lifeboat:RateLimits:AnonymousPerMinute", "10000");
    }

    public Task<bool> StopDatabaseAsync() => new LocalPostgres(Home).StopAsync();

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
        await new LocalPostgres(Home).StopAsync();
        TestFiles.DeleteTree(Home);
    }
}

/// <summary>The public status page as customers read it: with no script, on a phone, and while PostgreSQL is down.</summary>
public sealed class StatusPageTests(EmbeddedServerFixture fixture) : IClassFixture<EmbeddedServerFixture>
{
    [Fact]
    public async Task ThePublishedStateIsReadableWithoutScript_OnAPhone_AndStillServedWithPostgresStopped()
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.Platform.Provisioning.RegisterProductAsync(ProductId.Parse("prd_wiki"), "Wiki", ct);
        var site = await fixture.Platform.Sites.CreateAsync($"Acme {Guid.NewGuid():n}", "eu-west", cancellationToken: ct);
        var incidents = fixture.Services.GetRequiredService<IncidentDeskLifetime>().Desk;
        var incident = await incidents.DeclareAsync(new IncidentDeclaration { Title = "sites deleted", Type = "mass-deletion", Severity = IncidentSeverity.Sev1, Sites = [site.Id] }, ct);
        await incidents.AssignAsync(incident.Id, IncidentRole.CommunicationsLead, "dana", cancellationToken: ct);
        var draft = await fixture.Desk.WithActor("alice").DraftUpdateAsync(incident.Id, new UpdateDraft
        {
            Audience = UpdateAudience.Public, Phase = UpdatePhase.Investigating, Message = "Some sites are unavailable <while> we look.",
        }, ct);
        await fixture.Desk.WithActor("dana").ApproveUpdateAsync(incident.Id, draft.Number, ct);
        await fixture.Desk.WithActor("erin").DoubleCheckUpdateAsync(incident.Id, draft.Number, ct);
        await fixture.Desk.WithActor("frank").PublishUpdateAsync(incident.Id, draft.Number, ct);

        await ReadsAsync("the page as published");
        await using (var context = await fixture.Browser.NewContextAsync(new() { BaseURL = fixture.BaseAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } }))
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync("/status/");
            var violations = await Axe.SeriousViolationsAsync(page);
            violations.ShouldBeEmpty(string.Join("\n", violations));
        }

        (await fixture.StopDatabaseAsync()).ShouldBeTrue("the embedded PostgreSQL was running and is stopped");
        await ReadsAsync("the page with PostgreSQL stopped");
        using var http = new HttpClient { BaseAddress = fixture.BaseAddress };
        var json = await http.GetAsync("/status/index.json", ct);
        json.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await json.Content.ReadAsStringAsync(ct)).ShouldContain("[Investigating]");
        (await http.GetAsync("/status/feed.atom", ct)).Content.Headers.ContentType!.MediaType.ShouldBe("application/atom+xml");
    }

    /// <summary>Opens /status/ with JavaScript off at a desktop and at a phone width: the update is there and nothing overflows sideways.</summary>
    private async Task ReadsAsync(string what)
    {
        foreach (var width in new[] { 1280, 390 })
        {
            await using var context = await fixture.Browser.NewContextAsync(new()
            {
                BaseURL = fixture.BaseAddress.ToString(), JavaScriptEnabled = false, ViewportSize = new() { Width = width, Height = 844 },
            });
            var page = await context.NewPageAsync();
            var response = await page.GotoAsync("/status/");
            response!.Status.ShouldBe(200, what);
            var text = await page.Locator("main").InnerTextAsync();
            text.ShouldContain("[Investigating]", customMessage: what);
            text.ShouldContain("Some sites are unavailable <while> we look.", customMessage: what);
            text.ShouldContain("Outage", customMessage: what);
            (await page.Locator("h1").InnerTextAsync()).ShouldBe("Service status");
            var scroll = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
            scroll.ShouldBeLessThanOrEqualTo(0, $"{what} at {width} px scrolls sideways");
        }
    }
}
