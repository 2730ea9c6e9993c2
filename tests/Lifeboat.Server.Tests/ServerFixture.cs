using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Tests;

/// <summary>
/// The API in memory on a database of its own (one per test class), with two products and one app
/// registered through the API itself. The anomaly detector is off unless a derived fixture's
/// <see cref="Settings"/> turn it on; the home is a fresh path, so no stray policy.yaml is found.
/// </summary>
public class ServerFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string Tracker = "prd_tracker";
    public const string Wiki = "prd_wiki";
    public const string LegacyApp = "app_legacyinsights";

    /// <summary>A path that throws an unexpected exception whose message holds something secret.</summary>
    public const string BoomPath = "/test/boom";

    private TestDatabase? _database;

    public string BlobDirectory { get; } = Path.Combine(Path.GetTempPath(), "lifeboat-test-blobs", Guid.NewGuid().ToString("n"));

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Configuration a test class's fixture adds or overrides.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    public virtual async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("server");
        Client = CreateClient();
        (await Client.PutAsJsonAsync($"/api/products/{Tracker}", new { name = "Tracker" })).EnsureSuccessStatusCode();
        (await Client.PutAsJsonAsync($"/api/products/{Wiki}", new { name = "Wiki" })).EnsureSuccessStatusCode();
        (await Client.PutAsJsonAsync($"/api/apps/{LegacyApp}", new { name = "Legacy Insights", vendor = "Example Vendor" })).EnsureSuccessStatusCode();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Lifeboat:Connection", _database!.ConnectionString);
        builder.UseSetting("Lifeboat:OwnerConnection", _database.OwnerConnectionString);
        builder.UseSetting("Lifeboat:Blobs", BlobDirectory);
        builder.UseSetting("Lifeboat:Home", Path.Combine(Path.GetTempPath(), "lifeboat-test-home", Guid.NewGuid().ToString("n")));
        builder.UseSetting(DetectorService.IntervalKey, "0");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, BoomFilter>());
    }

    /// <summary>A client whose requests act as <paramref name="actor"/> (the X-Lifeboat-Actor header).</summary>
    public HttpClient ClientAs(string actor)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add(Actors.Header, actor);
        return client;
    }

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
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/sites")
        {
            Content = JsonContent.Create(new { name = $"Site {Guid.NewGuid():n}", region, @internal = isInternal }),
        };
        if (actor is not null)
        {
            request.Headers.Add("X-Lifeboat-Actor", actor);
        }

        var response = await Client.SendAsync(request);
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
