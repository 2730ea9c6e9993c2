using Lifeboat.Communication;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Plans;
using Lifeboat.Platform.Restores;
using Lifeboat.Retrospectives;
using Lifeboat.Storage;
using Lifeboat.Storage.Hosting;
using Lifeboat.Support;

namespace Lifeboat.Server;

/// <summary>
/// Opens the platform once, before the server takes requests, and disposes it at shutdown. The
/// connection is resolved like the CLI does: Lifeboat:Connection (or LIFEBOAT_CONNECTION) for an
/// existing server, otherwise the embedded private PostgreSQL under Lifeboat:Home (or LIFEBOAT_HOME).
/// Plans are held to the environment's policy, kept in the database (GET /api/policy); a policy file
/// named the old way (Lifeboat:Policy, LIFEBOAT_POLICY) stops the start with how to propose it
/// instead, and a &lt;home&gt;/policy.yaml is logged as ignored.
/// </summary>
public sealed partial class PlatformLifetime(IConfiguration configuration, ILogger<PlatformLifetime> logger) : IHostedService, IAsyncDisposable
{
    private LifeboatPlatform? _platform;

    public LifeboatPlatform Platform => _platform ?? throw new InvalidOperationException("the platform is not open yet.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var home = new LifeboatHome(Setting("Lifeboat:Home"), Setting("Lifeboat:Connection"));
        if (home.UsesEmbeddedServer)
        {
            LogEmbeddedServer(logger, home.Path);
        }

        RefuseObsoletePolicy(home);
        var connections = await home.ResolveConnectionAsync(new StartupLog(logger), cancellationToken);
        _platform = await LifeboatPlatform.OpenAsync(new PlatformOptions
        {
            Store = new StoreOptions
            {
                ConnectionString = connections.Application,
                // Lifeboat:OwnerConnection (or LIFEBOAT_OWNER_CONNECTION) with a connection string of your own.
                OwnerConnectionString = Setting("Lifeboat:OwnerConnection") ?? connections.Owner,
                BlobDirectory = Setting("Lifeboat:Blobs") ?? home.BlobDirectory,
                Actor = Actors.Default,
            },
            Participants = ParticipantSettings(),
            Modules = [IncidentDesk.Module, CommunicationDesk.Module, SupportDesk.Module, RetrospectiveDesk.Module],
        }, cancellationToken);

        // First start: an environment with no operator gets an admin with a one-time credential, shown once here
        // and kept owner-only in the home.
        if (await _platform.Bootstrap.EnsureAsync(System.IO.Path.Combine(home.Path, BootstrapAdmin.FileName), cancellationToken) is { } credential)
        {
            LogBootstrap(logger, credential.Login, credential.Secret, credential.File, credential.ExpiresAt);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }

    private string? Setting(string key) => configuration[key] is { Length: > 0 } value ? value : null;

    /// <summary>
    /// Lifeboat:Participants:AllowedUrls (a list, or one string of URLs separated by spaces or commas, as
    /// LIFEBOAT_PARTICIPANT_URLS gives it) and Lifeboat:Participants:MaxResponseBytes.
    /// </summary>
    private ParticipantOptions ParticipantSettings()
    {
        var section = configuration.GetSection("Lifeboat:Participants");
        var listed = section.GetSection("AllowedUrls").GetChildren().Select(c => c.Value).OfType<string>().ToList();
        var joined = section["AllowedUrls"] ?? Environment.GetEnvironmentVariable("LIFEBOAT_PARTICIPANT_URLS");
        var allowed = listed.Count > 0 ? listed : ParticipantOptions.Split(joined);
        var max = section["MaxResponseBytes"] is { Length: > 0 } text
            ? long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var m) && m > 0 ? m
                : throw new InvalidOperationException($"Lifeboat:Participants:MaxResponseBytes is '{text}'; give a number of bytes above 0 (default {ParticipantOptions.DefaultMaxResponseBytes}).")
            : ParticipantOptions.DefaultMaxResponseBytes;
        return new ParticipantOptions { AllowedUrls = allowed, MaxResponseBytes = max };
    }

    /// <summary>
    /// A policy file no longer chooses the policy. One named in configuration is expected to apply,
    /// so the server does not start and says how to propose it; one left in the home is only logged.
    /// </summary>
    private void RefuseObsoletePolicy(LifeboatHome home)
    {
        if (Setting("Lifeboat:Policy") is { } setting)
        {
            throw new InvalidOperationException(PolicyStore.NotChosenByFile("the setting Lifeboat:Policy", setting));
        }

        if (Environment.GetEnvironmentVariable("LIFEBOAT_POLICY") is { Length: > 0 } variable)
        {
            throw new InvalidOperationException(PolicyStore.NotChosenByFile("LIFEBOAT_POLICY", variable));
        }

        var inHome = System.IO.Path.Combine(home.Path, "policy.yaml");
        if (File.Exists(inHome))
        {
            LogIgnoredPolicyFile(logger, PolicyStore.NotChosenByFile("the home's policy.yaml", inHome));
        }
    }

    [LoggerMessage(LogLevel.Warning,
        "First start: created the operator {Login} with a one-time credential {Credential} (also in {File}, owner-only; it expires {ExpiresAt:u}). " +
        "It can only set a password (PUT /api/me/password) or create a token (POST /api/me/tokens); then it stops working.")]
    private static partial void LogBootstrap(ILogger logger, string login, string credential, string file, DateTimeOffset expiresAt);

    [LoggerMessage(LogLevel.Information, "No connection configured: using the private PostgreSQL under {Home}")]
    private static partial void LogEmbeddedServer(ILogger logger, string home);

    [LoggerMessage(LogLevel.Warning, "{Message}")]
    private static partial void LogIgnoredPolicyFile(ILogger logger, string message);

    [LoggerMessage(LogLevel.Information, "{Progress}")]
    private static partial void LogProgress(ILogger logger, string progress);

    /// <summary>Logs each step of starting the embedded server as it happens, in order (a Progress&lt;T&gt; would log from the thread pool, unordered).</summary>
    private sealed class StartupLog(ILogger logger) : IProgress<string>
    {
        public void Report(string value) => PlatformLifetime.LogProgress(logger, value);
    }
}
