using Lifeboat.Communication.Updates;
using Lifeboat.Platform;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;

namespace Lifeboat.Communication.Tests;

/// <summary>Customers' own pages: signed, expiring, revocable links, and a page that shows one customer's sites only.</summary>
public sealed class CustomerPageTests : IAsyncLifetime
{
    private readonly CommsFixture _fixture = new();
    private CommunicationDesk _desk = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _fixture.InitializeAsync();
        _desk = await CommunicationDesk.OpenAsync(_fixture.Platform.Platform.WithActor("alice"), _fixture.Incidents,
            new CommunicationOptions { LinkKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) }, Ct);
    }

    [Fact]
    public async Task TwoCustomersSharingAContact_EachSeeOnlyTheirOwnSites_AndTheirOwnUpdates()
    {
        var platform = _fixture.Platform.Platform;
        var acmeSites = await _fixture.NewSitesAsync(2, "Acme <script>alert(1)</script>");
        var globexSites = await _fixture.NewSitesAsync(1, "Globex");
        var shared = new AccountContactDraft(ContactRole.Technical, "Pat Consultant", "pat@consult.example.com");
        var acme = await platform.Accounts.CreateAsync($"Acme {Guid.NewGuid():n}", SupportTier.Premium, "eu-west", [shared], Ct);
        var globex = await platform.Accounts.CreateAsync($"Globex {Guid.NewGuid():n}", SupportTier.Standard, "eu-west", [shared], Ct);
        foreach (var s in acmeSites)
        {
            await platform.Accounts.LinkAsync(acme.Id, s, cancellationToken: Ct);
        }

        await platform.Accounts.LinkAsync(globex.Id, globexSites[0], cancellationToken: Ct);
        var plan = await _fixture.DeleteAsync([.. acmeSites, .. globexSites]);
        var incident = await _fixture.DeclareWithRolesAsync([.. acmeSites, .. globexSites], plan);

        var forAcme = await Publish(incident.Id, new UpdateDraft { Audience = UpdateAudience.Customer, Account = acme.Id.Value, Phase = UpdatePhase.Identified, Message = "Only for Acme." });
        forAcme.Body.ShouldContain("Your sites affected: 2.");
        await Publish(incident.Id, new UpdateDraft { Audience = UpdateAudience.Customer, Account = globex.Id.Value, Phase = UpdatePhase.Identified, Message = "Only for Globex." });
        await Publish(incident.Id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Identified, Message = "For everyone." });

        var acmeLink = await _desk.IssueCustomerLinkAsync(incident.Id, acme.Id.Value, cancellationToken: Ct);
        var globexLink = await _desk.IssueCustomerLinkAsync(incident.Id, globex.Id.Value, cancellationToken: Ct);

        var acmePage = await _desk.CustomerPageAsync(acmeLink.Token!, Ct);
        acmePage.Figures.Sites.Select(s => s.Site.Value).Order(StringComparer.Ordinal).ShouldBe(acmeSites.Select(s => s.Value).Order(StringComparer.Ordinal));
        acmePage.Updates.Select(u => u.Message).ShouldBe(["For everyone.", "Only for Acme."], ignoreOrder: true);
        var globexPage = await _desk.CustomerPageAsync(globexLink.Token!, Ct);
        globexPage.Figures.Sites.Select(s => s.Site).ShouldBe(globexSites);
        globexPage.Updates.Select(u => u.Message).ShouldNotContain("Only for Acme.");

        var html = Lifeboat.Communication.CustomerPages.CustomerPageWriter.Html(acmePage, "https://support.example.com", "support@example.com");
        html.ShouldContain("Acme &lt;script&gt;alert(1)&lt;/script&gt;");
        html.ShouldNotContain("<script>");
        html.ShouldNotContain(globexSites[0].Value);

        await _fixture.RestoreAsync(plan);
        (await _desk.CustomerPageAsync(acmeLink.Token!, Ct)).Figures.Sites.ShouldAllBe(s => s.Loss.None, "read live: the restore shows at once");
    }

    [Fact]
    public async Task AForgedAlteredExpiredOrRevokedLink_IsRefusedSayingWhich_AndReissuingRevokesTheOldOne()
    {
        var platform = _fixture.Platform.Platform;
        var sites = await _fixture.NewSitesAsync(1);
        var account = await platform.Accounts.CreateAsync($"Initech {Guid.NewGuid():n}", SupportTier.Enterprise, "eu-west", null, Ct);
        await platform.Accounts.LinkAsync(account.Id, sites[0], cancellationToken: Ct);
        var incident = await _fixture.DeclareWithRolesAsync(sites, await _fixture.DeleteAsync(sites));
        var link = await _desk.IssueCustomerLinkAsync(incident.Id, account.Id.Value, TimeSpan.FromDays(1), Ct);
        var token = link.Token!;

        var parts = token.Split('.');
        Task Open(string t) => _desk.CustomerPageAsync(t, Ct);
        (await Should.ThrowAsync<PlatformException>(() => Open("hello"))).Message.ShouldContain("is not a Lifeboat customer link");
        (await Should.ThrowAsync<PlatformException>(() => Open($"v1.{parts[1]}.{long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) + 86400}.{parts[3]}")))
            .Message.ShouldContain("is not a Lifeboat customer link", customMessage: "a stretched expiry breaks the signature");
        (await Should.ThrowAsync<PlatformException>(() => Open($"{token[..^2]}xx"))).Message.ShouldContain("is not a Lifeboat customer link");
        (await _desk.CustomerPageAsync(token, Ct)).Account.ShouldBe(account.Id.Value);

        _fixture.Clock.Advance(TimeSpan.FromDays(2));
        (await Should.ThrowAsync<PlatformException>(() => Open(token))).Message.ShouldContain("expired on");

        var reissued = await _desk.ReissueCustomerLinkAsync(incident.Id, account.Id.Value, "the admin lost the e-mail", Ct);
        (await _desk.CustomerPageAsync(reissued.Token!, Ct)).Account.ShouldBe(account.Id.Value);
        await _desk.RevokeCustomerLinkAsync(incident.Id, reissued.Id, "sent to the wrong address", Ct);
        (await Should.ThrowAsync<PlatformException>(() => Open(reissued.Token!))).Message.ShouldContain("was replaced or withdrawn");
        (await _desk.CustomerLinksAsync(incident.Id, cancellationToken: Ct)).Select(l => l.Token).ShouldAllBe(t => t == null, "tokens are never kept");

        var stranger = await platform.Accounts.CreateAsync($"Umbrella {Guid.NewGuid():n}", SupportTier.Standard, "eu-west", null, Ct);
        (await Should.ThrowAsync<PlatformException>(() => _desk.IssueCustomerLinkAsync(incident.Id, stranger.Id.Value, cancellationToken: Ct)))
            .Message.ShouldContain("is affected by incident");
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
    }
}
