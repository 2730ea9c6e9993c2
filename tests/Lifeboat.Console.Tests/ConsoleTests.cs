using Lifeboat.Platform.Access;
using Microsoft.Playwright;

namespace Lifeboat.Console.Tests;

/// <summary>The console in real headless Chromium against the real server and PostgreSQL, used as an operator would.</summary>
public sealed class ConsoleTests(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>
{
    [Fact]
    public async Task SignIn_WithTheRightPassword_OpensTheConsoleAsThatOperator_AndAWrongOneSaysSo()
    {
        var login = await fixture.NewOperatorAsync("viewer", Roles.Viewer);
        var page = await fixture.NewPageAsync();

        await page.GotoAsync("/plans");
        page.Url.ShouldContain("/account/sign-in?returnUrl=%2Fplans");
        await page.GetByLabel("Login").FillAsync(login);
        await page.GetByLabel("Password").FillAsync("not the password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("The login or the password is wrong");

        await page.GetByLabel("Login").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(ConsoleFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith("/plans", StringComparison.Ordinal));
        (await page.Locator("header").InnerTextAsync()).ShouldContain(login);
        (await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync()).ShouldBe("Plans");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/account/sign-in", StringComparison.Ordinal));
        await page.GotoAsync("/plans");
        page.Url.ShouldContain("/account/sign-in");
    }

    [Fact]
    public async Task SignIn_WithoutTheFormsAntiforgeryToken_IsRefusedAndSignsNoOneIn()
    {
        var login = await fixture.NewOperatorAsync("viewer", Roles.Viewer);
        var page = await fixture.NewPageAsync();

        // What another site could make a browser post: the right credentials, no token from the console's form.
        var answer = await page.APIRequest.PostAsync("/account/sign-in", new() { Form = MakeForm(page, ("login", login), ("password", ConsoleFixture.Password)), MaxRedirects = 0 });
        answer.Status.ShouldBe(303);
        answer.Headers["location"].ShouldContain("expired=true");
        await page.GotoAsync("/sites");
        page.Url.ShouldContain("/account/sign-in");
    }

    [Fact]
    public async Task BootstrapCredential_SignsInToSetAPassword_ThenStopsWorking_AndTheNewPasswordOpensTheConsole()
    {
        var file = Path.Combine(fixture.Home, BootstrapAdmin.FileName);
        var secret = (await File.ReadAllLinesAsync(file, TestContext.Current.CancellationToken))
            .Single(l => l.Contains("credential:", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/account/sign-in");
        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldContain($"First start: sign in as {BootstrapAdmin.Login} with the one-time credential");

        await SignInAsync(page, BootstrapAdmin.Login, secret);
        await page.WaitForURLAsync(url => url.EndsWith("/account/password", StringComparison.Ordinal));
        (await page.GetByRole(AriaRole.Status).First.InnerTextAsync()).ShouldContain("one-time bootstrap credential");
        (await page.GetByLabel("Current password").CountAsync()).ShouldBe(0, "the bootstrap credential is what proves who this is");

        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("the first admin's passphrase");
        await page.GetByLabel("New password again").FillAsync("not the same passphrase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("The two new passwords differ");

        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("the first admin's passphrase");
        await page.GetByLabel("New password again").FillAsync("the first admin's passphrase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        (await page.GetByRole(AriaRole.Status).Last.InnerTextAsync()).ShouldContain("the bootstrap credential no longer works");

        var again = await fixture.NewPageAsync();
        await again.GotoAsync("/account/sign-in");
        (await again.GetByText("First start").CountAsync()).ShouldBe(0, "the first admin has a password now");
        await SignInAsync(again, BootstrapAdmin.Login, secret);
        (await again.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("The login or the password is wrong");
        await SignInAsync(again, BootstrapAdmin.Login, "the first admin's passphrase");
        await again.GotoAsync("/operators");
        (await again.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync()).ShouldBe("Operators");
    }

    [Fact]
    public async Task ChangingOnesPassword_AsksForTheCurrentOne_AndAWrongOneChangesNothing()
    {
        var login = await fixture.NewOperatorAsync("viewer", Roles.Viewer);
        var page = await fixture.SignedInAsync(login);

        await page.GetByRole(AriaRole.Link, new() { Name = "Password" }).ClickAsync();
        await page.GetByLabel("Current password").FillAsync("not my password at all");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a brand new passphrase");
        await page.GetByLabel("New password again").FillAsync("a brand new passphrase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("The current password is wrong; nothing was changed");
        (await fixture.Platform.Operators.VerifyPasswordAsync(login, ConsoleFixture.Password, TestContext.Current.CancellationToken)).ShouldNotBeNull();

        await page.GetByLabel("Current password").FillAsync(ConsoleFixture.Password);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a brand new passphrase");
        await page.GetByLabel("New password again").FillAsync("a brand new passphrase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldContain("Your password is changed");
        (await fixture.Platform.Operators.VerifyPasswordAsync(login, "a brand new passphrase", TestContext.Current.CancellationToken)).ShouldNotBeNull();
        (await fixture.Platform.Operators.VerifyPasswordAsync(login, ConsoleFixture.Password, TestContext.Current.CancellationToken)).ShouldBeNull();
    }

    private static async Task SignInAsync(IPage page, string login, string password)
    {
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("Login").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Network idle, not the load event: a clean-clone run under load once waited 30 s for a load event that had already
        // passed while Playwright logged the page's network going idle.
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    }

    [Fact]
    public async Task ForbiddenAction_ShowsWhichPermissionIsMissingAndWhoHasIt_AndChangesNothing()
    {
        var requester = await fixture.NewOperatorAsync("requester", Roles.Operator);
        var plan = await Seed.DeletePlanAsync(fixture.Platform, requester, await Seed.SitesAsync(fixture.Platform, 1));
        var viewer = await fixture.NewOperatorAsync("viewer", Roles.Viewer);
        var page = await fixture.SignedInAsync(viewer);

        await page.GotoAsync($"/plans/{plan.Id}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve this content" }).ClickAsync();

        var message = await page.GetByRole(AriaRole.Alert).InnerTextAsync();
        message.ShouldContain($"{viewer} lacks the permission plans.approve");
        message.ShouldContain("approver, admin");
        (await fixture.Platform.Plans.GetAsync(plan.Id, TestContext.Current.CancellationToken)).ApprovedBy.ShouldBeNull();

        // A page the viewer may not open says the same, inside the console, with a 403.
        var operators = await page.GotoAsync("/operators");
        operators!.Status.ShouldBe(403);
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("lacks the permission operators.manage");
        (await page.ContentAsync()).ShouldNotContain("Microsoft.");
    }

    [Fact]
    public async Task ApprovePlan_AsASecondOperator_RecordsTheApprovalBoundToTheHashShown()
    {
        var requester = await fixture.NewOperatorAsync("requester", Roles.Operator);
        var plan = await Seed.DeletePlanAsync(fixture.Platform, requester, await Seed.SitesAsync(fixture.Platform, 2));
        var approver = await fixture.NewOperatorAsync("approver", Roles.Approver);
        var page = await fixture.SignedInAsync(approver);

        await page.GotoAsync($"/plans/{plan.Id}");
        (await page.Locator("#content-hash").InnerTextAsync()).ShouldBe(plan.ContentHash);
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve this content" }).ClickAsync();

        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldContain($"Approved, bound to content hash {plan.ContentHash}");
        (await page.Locator("dl.facts").InnerTextAsync()).ShouldContain($"approved by {approver}");
        var stored = await fixture.Platform.Plans.GetAsync(plan.Id, TestContext.Current.CancellationToken);
        stored.ApprovedBy.ShouldBe(approver);
        stored.ApprovedHash.ShouldBe(plan.ContentHash);
    }

    [Fact]
    public async Task ApprovePlan_ByTheOperatorWhoRequestedIt_IsRefusedWithTheReason()
    {
        // Holds both roles: only the two-person rule stands in the way.
        var requester = await fixture.NewOperatorAsync("both", Roles.Operator, Roles.Approver);
        var plan = await Seed.DeletePlanAsync(fixture.Platform, requester, await Seed.SitesAsync(fixture.Platform, 1));
        var page = await fixture.SignedInAsync(requester);

        await page.GotoAsync($"/plans/{plan.Id}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve this content" }).ClickAsync();

        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("cannot also approve it; a second person must");
        (await fixture.Platform.Plans.GetAsync(plan.Id, TestContext.Current.CancellationToken)).ApprovedBy.ShouldBeNull();
    }

    [Fact]
    public async Task RestoreJobPage_ProgressMovesWithoutAReload()
    {
        var restorer = await fixture.NewOperatorAsync("restorer", Roles.Operator);
        var job = await Seed.RestoreJobAsync(fixture.Platform, restorer, 2);
        var page = await fixture.SignedInAsync(restorer);

        await page.GotoAsync($"/restore-jobs/{job.Id}");
        var summary = page.Locator("#restore-progress-summary");
        (await summary.InnerTextAsync()).ShouldContain("0 of 2 sites restored");
        // Anything the page holds in memory survives only if the page is not loaded again.
        await page.EvaluateAsync("() => { window.__stillTheSamePage = true; }");

        await using (var worker = fixture.Platform.WithActor("test-worker").Restores.CreateWorker("console-test", 2))
        {
            await worker.RunAsync(untilIdle: true, TestContext.Current.CancellationToken);
        }

        await Assertions.Expect(summary).ToContainTextAsync("2 of 2 sites restored", new() { Timeout = 15_000 });
        (await page.EvaluateAsync<bool>("() => window.__stillTheSamePage === true")).ShouldBeTrue("the page was loaded again instead of moving by itself");
        (await page.Locator("tbody").Last.InnerTextAsync()).ShouldContain("Restored");
    }

    [Fact]
    public async Task DeleteSite_FromItsPage_GoesThroughAPlan()
    {
        var op = await fixture.NewOperatorAsync("operator", Roles.Operator);
        var site = (await Seed.SitesAsync(fixture.Platform, 1))[0];
        var page = await fixture.SignedInAsync(op);

        await page.GotoAsync($"/sites/{site}");
        await page.GetByLabel("Reason").FillAsync("customer asked");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit a plan to delete it" }).ClickAsync();

        try
        {
            await page.WaitForURLAsync(url => url.Contains("/plans/plan_", StringComparison.Ordinal));
        }
        catch (TimeoutException e)
        {
            throw new ShouldAssertException($"the page stayed at {page.Url}, saying: {await page.Locator("main").InnerTextAsync()}", e);
        }

        (await page.Locator("dl.facts").InnerTextAsync()).ShouldContain("delete-site on 1 site ID");
        (await fixture.Platform.Sites.GetAsync(site, TestContext.Current.CancellationToken)).State.ShouldBe(Lifeboat.Storage.TenantState.Active);
    }

    private static IFormData MakeForm(IPage page, params (string Name, string Value)[] fields)
    {
        var form = page.Context.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return form;
    }
}
