using Lifeboat.Platform;
using Lifeboat.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// The real Lifeboat server on a loopback port (Kestrel, so the CLI reaches it over HTTP as it would any
/// server), over a database of its own, with its restore workers running. Its environment runs without
/// the breaker, as <see cref="CliFixture"/>'s does. People act with API tokens of their own, in files.
/// </summary>
public sealed class RemoteServerFixture : WebApplicationFactory<PlatformLifetime>, IAsyncLifetime
{
    private TestDatabase? _database;

    public string Home { get; } = Path.Combine(Path.GetTempPath(), "lifeboat-cli-remote-tests", Guid.NewGuid().ToString("n"));

    public Uri Address { get; private set; } = null!;

    public LifeboatPlatform Platform => Services.GetRequiredService<PlatformLifetime>().Platform;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("cli-remote");
        UseKestrel(0);
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Address = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        await PlatformFixture.PutInForceAsync(Platform, PlatformFixture.WithoutBreaker);
        Directory.CreateDirectory(Path.Combine(Home, "tokens"));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Lifeboat:Connection", _database!.ConnectionString);
        builder.UseSetting("Lifeboat:OwnerConnection", _database.OwnerConnectionString);
        builder.UseSetting("Lifeboat:Blobs", Path.Combine(Home, "blobs"));
        builder.UseSetting("Lifeboat:Home", Home);
        builder.UseSetting(RestoreWorkers.WorkersKey, "4");
    }

    /// <summary>A file holding a new personal token of a new operator <paramref name="login"/> with <paramref name="roles"/>.</summary>
    public async Task<string> TokenFileAsync(string login, params string[] roles)
    {
        var account = await Platform.WithActor("cli-remote-tests").Operators.CreateAsync(login, login, roles);
        var created = await Platform.WithActor(login).Tokens.CreatePersonalAsync(account.Id, "cli remote test");
        var file = Path.Combine(Home, "tokens", $"{login}.token");
        await File.WriteAllTextAsync(file, created.Secret);
        return file;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        TestFiles.DeleteTree(Home);
    }
}
