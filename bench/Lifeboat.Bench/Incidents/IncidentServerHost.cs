using Lifeboat.Bench.Harness;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Bench.Incidents;

/// <summary>
/// The whole Lifeboat server (its own Program, found through a type of its assembly: API, console, restore workers, incident signals and evidence) on a
/// loopback port over a benchmark database, in production mode. Only the detector is off: the benchmark's own
/// deletion of 883 sites is its set-up, not the incident it measures, and the incident is declared over the API. A benchmark adds
/// settings of its own (the communication benchmark's mail server).
/// </summary>
internal sealed class IncidentServerHost(BenchDatabase database, string blobs, string home, string runbooks, IReadOnlyDictionary<string, string>? settings = null)
    : WebApplicationFactory<PlatformLifetime>
{
    public LifeboatPlatform Platform => Services.GetRequiredService<PlatformLifetime>().Platform;

    public IncidentDesk Desk => Services.GetRequiredService<IncidentDeskLifetime>().Desk;

    /// <summary>Starts the server and returns its address.</summary>
    public Uri Start()
    {
        // The factory would guess the server's folder from the solution's layout and miss it (src/); the benchmark runs from the repository's root.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_LIFEBOAT_SERVER", Path.GetFullPath("src/Lifeboat.Server"));
        UseKestrel(0);
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Lifeboat:Connection", database.Application);
        builder.UseSetting("Lifeboat:OwnerConnection", database.Owner);
        builder.UseSetting("Lifeboat:Blobs", blobs);
        builder.UseSetting("Lifeboat:Home", home);
        builder.UseSetting(IncidentDeskLifetime.RunbooksKey, runbooks);
        builder.UseSetting(DetectorService.IntervalKey, "0");
        // Its warnings and errors only: the benchmark's own lines show the progress.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }

        Log.Info($"bench: the server's home is {home}");
    }
}
