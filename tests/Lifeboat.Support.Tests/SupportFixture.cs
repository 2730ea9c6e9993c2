using Lifeboat.Communication.Mail;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Accounts;
using Lifeboat.Platform.Contacts;
using Npgsql;

namespace Lifeboat.Support.Tests;

/// <summary>A platform on its own database, the incident desk and the support desk opened on it; verification mail goes to the local postfix.</summary>
public sealed class SupportFixture : IAsyncLifetime
{
    public PlatformFixture Platform { get; } = new();

    public IncidentDesk Incidents { get; private set; } = null!;

    public SupportDesk Desk { get; private set; } = null!;

    public TestClock Clock => Platform.Clock;

    public static SupportOptions Options => new()
    {
        Mail = new MailOptions { Host = "127.0.0.1", Port = 25, From = "support@lifeboat.test", FromName = "Lifeboat support", PublicUrl = new Uri("http://127.0.0.1:5080/") },
    };

    public async ValueTask InitializeAsync()
    {
        await Platform.InitializeAsync();
        Incidents = await IncidentDesk.OpenAsync(Platform.Platform.WithActor("alice"));
        Desk = await SupportDesk.OpenAsync(Platform.Platform.WithActor("alice"), Options);
    }

    /// <summary>An account (its admin is <paramref name="admin"/>) that owns a new site named <paramref name="siteName"/>.</summary>
    public async Task<(CustomerAccount Account, SiteId Site)> CustomerAsync(string admin, string siteName, SupportTier tier = SupportTier.Premium)
    {
        var platform = Platform.Platform;
        var account = await platform.Accounts.CreateAsync($"Customer {Guid.NewGuid():n}", tier, "eu-west", [new AccountContactDraft(ContactRole.Admin, "Dana Admin", admin)]);
        var site = await platform.Sites.CreateAsync(siteName, "eu-west");
        await platform.Accounts.LinkAsync(account.Id, site.Id);
        return (account, site.Id);
    }

    public Task<Incident> DeclareAsync(IReadOnlyList<SiteId> sites, IncidentSeverity severity = IncidentSeverity.Sev1) =>
        Incidents.DeclareAsync(new IncidentDeclaration { Title = "sites deleted by a cleanup script", Type = "mass-deletion", Severity = severity, Sites = sites });

    /// <summary>Every row of the module's tables, as text: equal before and after means a refused call changed nothing.</summary>
    public async Task<string> StateAsync()
    {
        await using var connection = new NpgsqlConnection(Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT concat_ws(E'\n',
                (SELECT json_agg(t ORDER BY ticket_id)::text FROM support.tickets t),
                (SELECT json_agg(h ORDER BY ticket_id, entry_id)::text FROM support.ticket_history h),
                (SELECT json_agg(v ORDER BY ticket_id)::text FROM support.verifications v),
                (SELECT json_agg(m ORDER BY ticket_id, mail_id)::text FROM support.mails m))
            """, connection);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Runs a call that must be refused; returns the refusal after checking that nothing changed.</summary>
    public async Task<PlatformException> RefusedAsync(Func<Task> call)
    {
        var before = await StateAsync();
        var refused = await Should.ThrowAsync<PlatformException>(call);
        (await StateAsync()).ShouldBe(before, "a refused call must change nothing");
        return refused;
    }

    public async ValueTask DisposeAsync()
    {
        await Desk.DisposeAsync();
        await Incidents.DisposeAsync();
        await Platform.DisposeAsync();
    }
}
