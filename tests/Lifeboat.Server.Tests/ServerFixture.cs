using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Lifeboat.Server.Tests;

/// <summary>
/// The API in memory on a database of its own (one per test class), with two products and one app
/// registered through the API itself. The anomaly detector is off unless a derived fixture's
/// <see cref="Settings"/> turn it on; the home is a fresh path, so no stray policy.yaml is found.
/// Every client authenticates with an API token of an operator the fixture creates through the
/// platform's access core (<see cref="ClientAs"/>, <see cref="ClientFor"/>): no set-up, as the product's own bootstrap
/// would have it. <see cref="Client"/> acts as an admin, <c>test-admin</c>.
/// </summary>
public class ServerFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string Tracker = "prd_tracker";
    public const string Wiki = "prd_wiki";
    public const string LegacyApp = "app_legacyinsights";

    /// <summary>A path that throws an unexpected exception whose message holds something secret.</summary>
    public const string BoomPath = "/test/boom";

    public const string AdminLogin = "test-admin";

    private readonly ConcurrentDictionary<string, string> _secrets = new(StringComparer.Ordinal);
    private TestDatabase? _database;

    public string BlobDirectory { get; } = Path.Combine(Path.GetTempPath(), "lifeboat-test-blobs", Guid.NewGuid().ToString("n"));

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The home the server writes its bootstrap credential into.</summary>
    public string Home { get; } = Path.Combine(Path.GetTempPath(), "lifeboat-test-home", Guid.NewGuid().ToString("n"));

    public TestDatabase Database => _database!;

    /// <summary>The platform the server opened (its clock, its database).</summary>
    public LifeboatPlatform Platform => Services.GetRequiredService<PlatformLifetime>().Platform;

    /// <summary>Configuration a test class's fixture adds or overrides.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    public virtual async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("server");
        Client = await ClientAsAsync(AdminLogin, Roles.Admin);
        (await Client.PutAsJsonAsync($"/api/products/{Tracker}", new { name = "Tracker" })).EnsureSuccessStatusCode();
        (await Client.PutAsJsonAsync($"/api/products/{Wiki}", new { name = "Wiki" })).EnsureSuccessStatusCode();
        (await Client.PutAsJsonAsync($"/api/apps/{LegacyApp}", new { name = "Legacy Insights", vendor = "Example Vendor" })).EnsureSuccessStatusCode();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Lifeboat:Connection", _database!.ConnectionString);
        builder.UseSetting("Lifeboat:OwnerConnection", _database.OwnerConnectionString);
        builder.UseSetting("Lifeboat:Blobs", BlobDirectory);
        builder.UseSetting("Lifeboat:Home", Home);
        builder.UseSetting(DetectorService.IntervalKey, "0");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, BoomFilter>());
    }

    /// <summary>
    /// A client whose requests act as the operator <paramref name="login"/> (an admin unless
    /// <paramref name="roles"/> say otherwise), created on first use with an API token.
    /// </summary>
    public HttpClient ClientAs(string login, params string[] roles) => ClientAsAsync(login, roles).GetAwaiter().GetResult();

    public async Task<HttpClient> ClientAsAsync(string login, params string[] roles)
    {
        if (!_secrets.TryGetValue(login, out var secret))
        {
            var account = await Platform.Operators.FindAsync(login)
                ?? await Platform.WithActor(AdminLogin).Operators.CreateAsync(login, login, roles.Length == 0 ? [Roles.Admin] : roles);
            secret = (await Platform.WithActor(login).Tokens.CreatePersonalAsync(account.Id, "tests")).Secret;
            _secrets[login] = secret;
        }

        return ClientWithToken(secret);
    }

    /// <summary>A client acting as a new operator holding exactly <paramref name="roles"/>.</summary>
    public Task<HttpClient> ClientForAsync(params string[] roles)
    {
        var named = string.Join("-", roles.DefaultIfEmpty("none"));
        return ClientAsAsync($"{named[..Math.Min(named.Length, 40)]}-{Guid.NewGuid():n}", roles);
    }

    /// <summary>Same as <see cref="ClientForAsync"/>, for callers that are not async.</summary>
    public HttpClient ClientFor(params string[] roles) => ClientForAsync(roles).GetAwaiter().GetResult();

    /// <summary>A client sending <c>Authorization: Bearer <paramref name="secret"/></c>.</summary>
    public HttpClient ClientWithToken(string secret)
    {
        var client = AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>A client with no credentials at all. It does not follow redirects, so a test sees the 303 of a sign-in.</summary>
    /// <summary>The incident a cause ("plan:…", "job:…", "alert:…") is linked to, or null while none is.</summary>
    public async Task<string?> IncidentOfCauseAsync(string cause)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT incident_id FROM incidents.causes WHERE cause = $1", connection);
        cmd.Parameters.Add(new() { Value = cause });
        return await cmd.ExecuteScalarAsync() as string;
    }

    public HttpClient AnonymousClient() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>Makes <paramref name="yaml"/> the environment's policy through the API: proposed by one person, approved by another.</summary>
    public async Task PutPolicyInForceAsync(string yaml)
    {
        using var author = ClientAs("policy-author");
        using var approver = ClientAs("policy-approver");
        var proposed = await author.PostAsJsonAsync("/api/policy/proposals", new { yaml, reason = "the test's policy" });
        proposed.StatusCode.ShouldBe(HttpStatusCode.Created, await proposed.Content.ReadAsStringAsync());
        var version = (await proposed.Content.ReadFromJsonAsync<JsonNode>())!;
        var approved = await approver.PostAsJsonAsync($"/api/policy/proposals/{version["version"]}/approve", new { contentHash = version["contentHash"]!.GetValue<string>() });
        approved.StatusCode.ShouldBe(HttpStatusCode.OK, await approved.Content.ReadAsStringAsync());
    }

    /// <summary>A new site with a unique name; returns its JSON (id, name, region, …).</summary>
    public async Task<JsonNode> NewSiteAsync(string region = "eu-west", bool isInternal = false, string? actor = null)
    {
        var client = actor is null ? Client : await ClientAsAsync(actor);
        var response = await client.PostAsJsonAsync("/api/sites", new { name = $"Site {Guid.NewGuid():n}", region, @internal = isInternal });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (Directory.Exists(BlobDirectory))
        {
            Directory.Delete(BlobDirectory, recursive: true);
        }
    }

    private sealed class BoomFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            // Reached only when no endpoint matched: inside the app's exception handler.
            app.Use((HttpContext http, RequestDelegate after) => http.Request.Path == BoomPath
                ? throw new InvalidOperationException("Host=db.internal;Password=hunter2 refused the connection")
                : after(http));
        };
    }
}
