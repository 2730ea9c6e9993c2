using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Lifeboat.Console.Tests;

/// <summary>
/// The real server on a loopback port (Kestrel, not the in-memory test server, so Chromium can reach
/// it) over a database of its own, and the machine's headless Chromium. Operators sign in with
/// passwords through the console's own form. The server's restore workers are off, so a test decides
/// when a job moves and can watch the page follow. The environment runs without the breaker.
/// </summary>
public sealed class ConsoleFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string Password = "correct horse battery staple";

    private TestDatabase? _database;
    private IPlaywright? _playwright;

    public string Home { get; } = Path.Combine(Path.GetTempPath(), "lifeboat-console-tests", Guid.NewGuid().ToString("n"));

    public Uri BaseAddress { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public LifeboatPlatform Platform => Services.GetRequiredService<PlatformLifetime>().Platform;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("console");
        UseKestrel(0);
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        // The console's tests delete sites through plans (each rehearsing its rollback) faster than the default
        // breaker's nine deletions a minute in an environment; the breaker has tests of its own.
        await PlatformFixture.PutInForceAsync(Platform, PlatformFixture.WithoutBreaker);
        (_playwright, Browser) = await Chromium.LaunchAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Lifeboat:Connection", _database!.ConnectionString);
        builder.UseSetting("Lifeboat:OwnerConnection", _database.OwnerConnectionString);
        builder.UseSetting("Lifeboat:Blobs", Path.Combine(Home, "blobs"));
        builder.UseSetting("Lifeboat:Home", Home);
        builder.UseSetting(DetectorService.IntervalKey, "0");
        builder.UseSetting(RestoreWorkers.WorkersKey, "0");
        // The pages are what these tests look at; the incident side's background work has tests of its own,
        // and on a busy machine it only competes with the browser for the two cores.
        builder.UseSetting(IncidentSignals.IntervalKey, "0");
        builder.UseSetting(IncidentEvidenceService.IntervalKey, "0");
        // Declaring a mass-deletion posts the repository's runbook as the room's checklist.
        builder.UseSetting(IncidentDeskLifetime.RunbooksKey, TestFiles.RepositoryRunbooks());
        builder.UseSetting("Lifeboat:RateLimits:SignInPerMinute", "1000");
        builder.UseSetting("Lifeboat:RateLimits:AnonymousPerMinute", "10000");
    }

    /// <summary>A new local operator with <paramref name="roles"/> and <see cref="Password"/>; returns its login.</summary>
    public async Task<string> NewOperatorAsync(string name, params string[] roles)
    {
        var login = $"{name}-{Guid.NewGuid().ToString("n")[..8]}";
        await Platform.WithActor("console-tests").Operators.CreateAsync(login, name, roles, OperatorOrigin.Local, null, Password, TestContext.Current.CancellationToken);
        return login;
    }

    /// <summary>A fresh browser context (its own cookies) at <paramref name="width"/> px, and a page in it.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        return await context.NewPageAsync();
    }

    /// <summary>Signs in through the console's form, as a person would, and waits for the page it lands on.</summary>
    public async Task<IPage> SignedInAsync(string login, int width = 1280, int height = 900)
    {
        var page = await NewPageAsync(width, height);
        // Tried up to three times: on two cores with every test project running, a submission has been seen to
        // leave the page on the sign-in form; the last try's failure says what the page showed.
        for (var attempt = 1; ; attempt++)
        {
            await page.GotoAsync("/account/sign-in");
            await page.GetByLabel("Login").FillAsync(login);
            await page.GetByLabel("Password").FillAsync(Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            try
            {
                await page.WaitForURLAsync(url => !url.Contains("/account/sign-in", StringComparison.Ordinal), new() { Timeout = 30_000 });
                break;
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
            catch (TimeoutException e)
            {
                // The URL tells a refused form (?failed, ?expired) from an error page (a 429 or 500 answer to the POST keeps the form's URL).
                throw new TimeoutException($"{login} did not get past the sign-in page in three tries; it is at {page.Url} and shows: {await page.Locator("body").InnerTextAsync(new() { Timeout = 5_000 })}", e);
            }
        }

        return page;
    }

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        TestFiles.DeleteTree(Home);
    }
}
