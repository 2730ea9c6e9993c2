using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Server.Security;
using Lifeboat.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Tests;

/// <summary>Who acts, over HTTP: the attacks of issue 11, second persons, tokens that stop working, the bootstrap credential, sessions, limits.</summary>
public sealed class AccessApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string[] AdminRole = [Roles.Admin];
    private static readonly string[] ViewerRole = [Roles.Viewer];

    private HttpClient Client => fixture.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Attack_DeletingASiteWithANameInTheActorHeader_Is401AndTheSiteStays()
    {
        var id = (await fixture.NewSiteAsync()).Str("id");
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/sites/{id}?reason=because");
        request.Headers.Add("X-Lifeboat-Actor", "ceo-of-the-company");

        var response = await fixture.AnonymousClient().SendAsync(request, Ct);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        (await Client.GetJsonAsync($"/api/sites/{id}")).Str("state").ShouldBe("Active");
        var events = await Client.GetJsonAsync($"/api/events/attack-{Guid.NewGuid():n}?max=1000");
        events.AsArray().ShouldNotContain(e => e.Str("actor") == "ceo-of-the-company");
    }

    [Fact]
    public async Task Attack_ExportingEveryContactWithoutTheRightToIt_IsRefused()
    {
        (await fixture.AnonymousClient().GetAsync("/api/contacts/export.csv", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var operatorClient = await fixture.ClientForAsync(Roles.Operator);
        (await operatorClient.GetAsync("/api/contacts/export.csv", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var communications = await fixture.ClientForAsync(Roles.Communications);
        (await communications.GetAsync("/api/contacts/export.csv", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Attack_APlanApprovedByNobodyAfterAliceSubmittedIt_DoesNotRun()
    {
        using var alice = await fixture.ClientForAsync(Roles.Operator, Roles.Approver);
        var (id, hash) = await SubmitSixSitePlanAsync(alice);
        var anonymous = fixture.AnonymousClient();

        (await anonymous.PostAsJsonAsync($"/api/plans/{id}/approve", new { contentHash = hash }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync($"/api/plans/{id}/run", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await (await alice.PostAsync($"/api/plans/{id}/run", null, Ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict)).Detail.ShouldContain("needs a second approver");

        var plan = await Client.GetJsonAsync($"/api/plans/{id}");
        plan.Str("state").ShouldBe("Verified");
        plan["approvedBy"].ShouldBeNull();
    }

    [Fact]
    public async Task SecondPerson_TheSamePrincipalAndANonApproverAreRefused_ADifferentApproverIsAccepted()
    {
        using var requester = await fixture.ClientForAsync(Roles.Operator, Roles.Approver);
        using var nonApprover = await fixture.ClientForAsync(Roles.Operator);
        using var approver = await fixture.ClientForAsync(Roles.Approver);
        var (id, hash) = await SubmitSixSitePlanAsync(requester);

        (await (await requester.PostAsJsonAsync($"/api/plans/{id}/approve", new { contentHash = hash }, Ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain("cannot also approve it");
        (await (await nonApprover.PostAsJsonAsync($"/api/plans/{id}/approve", new { contentHash = hash }, Ct)).ShouldBeProblemAsync(HttpStatusCode.Forbidden))
            .Detail.ShouldContain("lacks the permission plans.approve");
        var approved = await (await approver.PostAsJsonAsync($"/api/plans/{id}/approve", new { contentHash = hash }, Ct)).ShouldBeJsonAsync();

        approved.Str("approvedBy").ShouldBe((await approver.GetJsonAsync("/api/me")).Str("login"));
    }

    [Fact]
    public async Task SecondPerson_PolicyApproval_SameProposerRefused_NonApproverRefused_ApproverAccepted()
    {
        using var proposer = await fixture.ClientForAsync(Roles.Operator, Roles.Approver);
        using var nonApprover = await fixture.ClientForAsync(Roles.Operator);
        using var approver = await fixture.ClientForAsync(Roles.Approver);
        var proposed = await (await proposer.PostAsJsonAsync("/api/policy/proposals", new { yaml = "# the defaults, again\n", reason = "second person test" }, Ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        var approve = new { contentHash = proposed.Str("contentHash") };
        var path = $"/api/policy/proposals/{proposed["version"]}/approve";

        (await proposer.PostAsJsonAsync(path, approve, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await nonApprover.PostAsJsonAsync(path, approve, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await approver.PostAsJsonAsync(path, approve, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RevokedToken_IsRefusedWithinTheDocumentedTime()
    {
        using var owner = await fixture.ClientForAsync(Roles.Viewer);
        var created = await (await owner.PostAsJsonAsync("/api/me/tokens", new { name = "to revoke" }, Ct)).ShouldBeJsonAsync(HttpStatusCode.Created);
        using var revokedClient = fixture.ClientWithToken(created.Str("secret"));
        (await revokedClient.GetAsync("/api/sites", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await owner.DeleteAsync($"/api/me/tokens/{created["token"].Str("id")}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var clock = Stopwatch.StartNew();
        HttpResponseMessage response;
        while ((response = await revokedClient.GetAsync("/api/sites", Ct)).StatusCode == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100, Ct);
        }

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Detail.ShouldContain("was revoked");
        clock.Elapsed.ShouldBeLessThan(fixture.Services.GetRequiredService<TokenCache>().Lifetime + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task ExpiredToken_IsRefusedSayingSo()
    {
        var clock = new TestClock();
        clock.Advance(TimeSpan.FromDays(-2));
        await using var earlier = await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = new StoreOptions
            {
                ConnectionString = fixture.Database.ConnectionString,
                BlobDirectory = fixture.BlobDirectory,
                TimeProvider = clock,
                Actor = ServerFixture.AdminLogin,
            },
        }, Ct);
        var account = await earlier.Operators.CreateAsync($"expiring-{Guid.NewGuid():n}", "Expiring", [Roles.Viewer], cancellationToken: Ct);
        var token = await earlier.Tokens.CreatePersonalAsync(account.Id, "one day, two days ago", lifetime: TimeSpan.FromDays(1), cancellationToken: Ct);

        var response = await fixture.ClientWithToken(token.Secret).GetAsync("/api/sites", Ct);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Detail.ShouldContain("expired");
    }

    [Fact]
    public async Task DisabledOperator_IsRefusedWithinTheDocumentedTime()
    {
        var login = $"leaving-{Guid.NewGuid():n}";
        using var leaving = await fixture.ClientAsAsync(login, Roles.Operator);
        var me = await leaving.GetJsonAsync("/api/me");

        (await Client.PostAsJsonAsync($"/api/operators/{me.Str("operator")}/disable", new { reason = "left the company" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var clock = Stopwatch.StartNew();
        HttpResponseMessage response;
        while ((response = await leaving.GetAsync("/api/me", Ct)).StatusCode == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100, Ct);
        }

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Detail.ShouldContain("is disabled");
        clock.Elapsed.ShouldBeLessThan(fixture.Services.GetRequiredService<TokenCache>().Lifetime + TimeSpan.FromSeconds(1));
        var audit = await Client.GetJsonAsync($"/api/audit?subject={me.Str("operator")}");
        audit.AsArray().Select(a => (a.Str("step"), a.Str("actor"))).ShouldContain(("operator.disabled", ServerFixture.AdminLogin));
    }

    [Fact]
    public async Task BootstrapCredential_IsWrittenOwnerOnly_WorksOnceAndForNothingElse()
    {
        var file = Path.Combine(fixture.Home, BootstrapAdmin.FileName);
        File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var secret = (await File.ReadAllLinesAsync(file, Ct)).Single(l => l.Contains("credential:", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
        using var bootstrap = fixture.ClientWithToken(secret);

        (await (await bootstrap.GetAsync("/api/sites", Ct)).ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Detail.ShouldContain("one-time bootstrap credential");
        (await bootstrap.PostAsJsonAsync("/api/operators", new { login = "intruder", roles = AdminRole }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var me = await bootstrap.GetJsonAsync("/api/me");
        (me.Str("login"), me["mustReplaceCredential"]!.GetValue<bool>()).ShouldBe((BootstrapAdmin.Login, true));

        var created = await (await bootstrap.PostAsJsonAsync("/api/me/tokens", new { name = "admin's laptop" }, Ct)).ShouldBeJsonAsync(HttpStatusCode.Created);

        using var admin = fixture.ClientWithToken(created.Str("secret"));
        (await admin.GetAsync("/api/sites", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await (await bootstrap.GetAsync("/api/me", Ct)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Detail.ShouldContain("used already");
        (await bootstrap.PostAsJsonAsync("/api/me/tokens", new { name = "a second one" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SignIn_WithAPassword_GivesASession_AndAWrongPasswordDoesNot()
    {
        var login = $"console-{Guid.NewGuid():n}";
        (await Client.PostAsJsonAsync("/api/operators", new { login, roles = ViewerRole, password = "a long enough password" }, Ct))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        using var browser = fixture.AnonymousClient();

        var wrong = await browser.PostAsync("/account/sign-in", await FormAsync(browser, login, "not the password at all"), Ct);
        wrong.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        wrong.Headers.Location!.ToString().ShouldStartWith("/account/sign-in?failed=true");
        (await browser.GetAsync("/api/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var right = await browser.PostAsync("/account/sign-in", await FormAsync(browser, login, "a long enough password", "/sites"), Ct);
        right.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        right.Headers.Location!.ToString().ShouldBe("/sites");
        var cookie = right.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ServerSecurity.CookieName, StringComparison.Ordinal));
        cookie.ShouldContain("httponly", Case.Insensitive);
        cookie.ShouldContain("samesite=strict", Case.Insensitive);
        using var session = fixture.AnonymousClient();
        session.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);
        var me = await session.GetJsonAsync("/api/me");
        (me.Str("login"), me.Str("authenticatedBy")).ShouldBe((login, "Password"));
        (await session.DeleteAsync($"/api/sites/{(await fixture.NewSiteAsync()).Str("id")}?reason=x", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var offsite = await browser.PostAsync("/account/sign-in", await FormAsync(browser, login, "a long enough password", "https://evil.example/"), Ct);
        offsite.Headers.Location!.ToString().ShouldBe("/");
    }

    [Fact]
    public async Task ChangingAPassword_EndsEverySessionSignedInWithTheOldOne_WithinTheDocumentedTime()
    {
        var login = $"console-{Guid.NewGuid():n}";
        (await Client.PostAsJsonAsync("/api/operators", new { login, roles = ViewerRole, password = "the first long password" }, Ct))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        using var laptop = await SessionAsync(login, "the first long password");
        using var phone = await SessionAsync(login, "the first long password");
        (await laptop.GetAsync("/api/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await phone.PutAsJsonAsync("/api/me/password", new { currentPassword = "the first long password", password = "the second long password" }, Ct))
            .StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var clock = Stopwatch.StartNew();
        HttpResponseMessage response;
        while ((response = await laptop.GetAsync("/api/me", Ct)).StatusCode == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100, Ct);
        }

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Detail.ShouldContain($"the password of {login} was changed after this session began");
        clock.Elapsed.ShouldBeLessThan(fixture.Services.GetRequiredService<TokenCache>().Lifetime + TimeSpan.FromSeconds(1));
        (await phone.GetAsync("/api/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "the session that changed it began with the old password too");
        using var again = await SessionAsync(login, "the second long password");
        (await again.GetJsonAsync("/api/me")).Str("login").ShouldBe(login);
    }

    /// <summary>A client carrying the session cookie of a password sign-in through the console's form.</summary>
    private async Task<HttpClient> SessionAsync(string login, string password)
    {
        using var browser = fixture.AnonymousClient();
        var signedIn = await browser.PostAsync("/account/sign-in", await FormAsync(browser, login, password), Ct);
        signedIn.Headers.Location!.ToString().ShouldBe("/", "the sign-in was accepted");
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ServerSecurity.CookieName, StringComparison.Ordinal));
        var session = fixture.AnonymousClient();
        session.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);
        return session;
    }

    [Fact]
    public async Task ABodyLargerThanTheEndpointTakes_Is413SayingTheLimit_WhilePlanUploadsMayBeLarger()
    {
        var big = new string('x', 100_000);
        var site = await Client.PostAsync("/api/sites", new StringContent($"{{\"name\":\"{big}\",\"region\":\"eu-west\"}}", Encoding.UTF8, "application/json"), Ct);
        (await site.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge)).Detail.ShouldContain($"at most {RequestLimits.DefaultBodyLimit} bytes");

        var plan = await Client.PostAsync("/api/plans", new StringContent($"action: uninstall-app\ntarget: app-installation\nreason: big\n# {big}\ntargets: []\n", Encoding.UTF8, "text/yaml"), Ct);
        plan.StatusCode.ShouldBe(HttpStatusCode.BadRequest, "read and refused for what it says, not for its size");
    }

    [Fact]
    public async Task TheOpenApiDocument_DeclaresItsSecuritySchemes_AndEachOperationsPermission()
    {
        var document = await fixture.AnonymousClient().GetJsonAsync("/openapi/v1.json");

        var schemes = document["components"]!["securitySchemes"]!;
        schemes["bearer"]!.Str("scheme").ShouldBe("bearer");
        schemes["session"]!.Str("in").ShouldBe("cookie");
        var getSite = document["paths"]!["/api/sites/{site}"]!["get"]!;
        getSite.Str("description").ShouldContain("Needs the permission sites.read");
        getSite["security"]!.AsArray().Count.ShouldBe(2);
        document.ToJsonString().ShouldNotContain("X-Lifeboat-Actor");
    }

    [Fact]
    public async Task OidcSignIn_MapsTheFakeProvidersRoleClaim_ToLifeboatRoles_AndRefusesSomeoneWithNone()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lifeboat:Oidc:RoleClaim"] = "groups",
            ["Lifeboat:Oidc:RoleMap:sre-oncall"] = "operator, incident-commander",
            ["Lifeboat:Oidc:RoleMap:change-board"] = "approver",
        }).Build();
        var oidc = new OidcSignIn(configuration);
        var subject = Guid.NewGuid().ToString("n");

        var first = await oidc.SignInAsync(FakeProvider.Person(subject, $"kim-{subject}", "sre-oncall", "viewer", "unrelated"), fixture.Platform, Ct);
        first.Roles.ShouldBe([Roles.IncidentCommander, Roles.Operator, Roles.Viewer]);
        first.Method.ShouldBe(AuthenticationMethod.OpenIdConnect);

        var again = await oidc.SignInAsync(FakeProvider.Person(subject, $"kim-{subject}", "change-board"), fixture.Platform, Ct);
        again.Roles.ShouldBe([Roles.Approver]);
        again.Operator.ShouldBe(first.Operator);

        var refused = await Should.ThrowAsync<AccessDeniedException>(() => oidc.SignInAsync(FakeProvider.Person("x" + subject, $"lee-{subject}", "marketing"), fixture.Platform, Ct));
        refused.Message.ShouldContain("none of their 'groups' claims maps to a Lifeboat role");
    }

    private async Task<(string Id, string Hash)> SubmitSixSitePlanAsync(HttpClient requester)
    {
        var installations = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var site = (await fixture.NewSiteAsync()).Str("id");
            installations.Add((await (await Client.PostAsJsonAsync($"/api/sites/{site}/apps", new { app = ServerFixture.LegacyApp }, Ct)).ShouldBeJsonAsync(HttpStatusCode.Created)).Str("id"));
        }

        var plan = await (await requester.PostAsJsonAsync("/api/plans", new { action = "uninstall-app", target = "app-installation", targets = installations, reason = "Retire Legacy Insights" }, Ct))
            .ShouldBeJsonAsync(HttpStatusCode.Created);
        plan["decision"]!["needsSecondApprover"]!.GetValue<bool>().ShouldBeTrue();
        return (plan.Str("id"), plan.Str("contentHash"));
    }

    /// <summary>The sign-in form as the console's page posts it: with the antiforgery token the page (and its cookie) carry.</summary>
    private static async Task<FormUrlEncodedContent> FormAsync(HttpClient browser, string login, string password, string? returnUrl = null)
    {
        var page = await browser.GetStringAsync("/account/sign-in", TestContext.Current.CancellationToken);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]*)\"");
        token.Success.ShouldBeTrue("the sign-in page carries an antiforgery token");
        return new(new Dictionary<string, string>
        {
            ["login"] = login,
            ["password"] = password,
            ["returnUrl"] = returnUrl ?? "/",
            ["__RequestVerificationToken"] = System.Net.WebUtility.HtmlDecode(token.Groups[1].Value),
        });
    }

    /// <summary>A fake identity provider: the claims a real one would put in a validated ID token.</summary>
    private static class FakeProvider
    {
        public static ClaimsPrincipal Person(string subject, string username, params string[] groups) => new(new ClaimsIdentity(
            [
                new Claim("sub", subject, ClaimValueTypes.String, "https://fake-idp.test"),
                new Claim("iss", "https://fake-idp.test", ClaimValueTypes.String, "https://fake-idp.test"),
                new Claim("preferred_username", username),
                new Claim("name", username),
                .. groups.Select(g => new Claim("groups", g)),
            ], "fake-oidc"));
    }
}

/// <summary>Sign-in with a rate limit low enough to reach in a test.</summary>
public sealed class RateLimitedServerFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        [RequestLimits.SignInPerMinuteKey] = "2",
    };
}

public sealed class SignInRateLimitTests(RateLimitedServerFixture fixture) : IClassFixture<RateLimitedServerFixture>
{
    [Fact]
    public async Task SignIn_PastTheLimit_Is429WithRetryAfterAndAClearMessage()
    {
        using var browser = fixture.AnonymousClient();
        var form = () => new FormUrlEncodedContent(new Dictionary<string, string> { ["login"] = "nobody", ["password"] = "guessing guessing" });

        (await browser.PostAsync("/account/sign-in", form(), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        (await browser.PostAsync("/account/sign-in", form(), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        var limited = await browser.PostAsync("/account/sign-in", form(), TestContext.Current.CancellationToken);

        (await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests)).Detail.ShouldContain("try again in");
        limited.Headers.RetryAfter.ShouldNotBeNull();
        (await fixture.Client.GetAsync("/api/sites", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK, "authenticated calls are not held to the sign-in limit");
    }
}
