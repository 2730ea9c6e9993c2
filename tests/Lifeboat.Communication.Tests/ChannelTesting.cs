using System.Text.Json;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Contacts;
using MimeKit;
using Npgsql;

namespace Lifeboat.Communication.Tests;

/// <summary>
/// What the channels' tests share: a published update as the updates workflow leaves it (the row, approved and
/// double-checked, and its <c>update.published</c> event), sites with contacts, and the local postfix's Maildir.
/// </summary>
internal static class ChannelTesting
{
    /// <summary>Where scripts/setup.sh postfix delivers mail for lifeboat.test (every recipient shares it).</summary>
    public const string Maildir = "/var/mail/lifeboat-test/inbox";

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>An address of this run's own, so its messages are told apart in the shared Maildir.</summary>
    public static string Address(string who) => $"{who}-{Guid.NewGuid():n}@lifeboat.test";

    /// <summary>Writes a published update and its outbox event in one transaction, as publishing does; returns it.</summary>
    public static async Task<IncidentUpdate> PublishAsync(CommsFixture fixture, IncidentId incident, UpdateAudience audience, string subject, string body,
        string? account = null, object? figures = null, UpdatePhase phase = UpdatePhase.Restoring, string label = "[Restoring 41%]")
    {
        var context = fixture.Desk.Context;
        var now = fixture.Clock.GetUtcNow();
        await using var tx = await context.BeginAsync(CancellationToken.None);
        int number;
        await using (var cmd = tx.Command("""
            INSERT INTO comms.updates (incident_id, update_number, audience, account_id, phase, label, language, template, message, subject, body, figures,
                state, origin, drafted_at, drafted_by, approved_at, approved_by, checked_at, checked_by, published_at, published_by)
            SELECT $1, coalesce(max(update_number), 0) + 1, $2, $3, $4, $5, 'en', 'default', '', $6, $7, $8::jsonb,
                'published', 'person', $9, 'alice', $9, 'alice', $9, 'bob', $9, 'bob'
            FROM comms.updates WHERE incident_id = $1
            RETURNING update_number
            """))
        {
            cmd.Parameters.Add(new() { Value = incident.Value });
            cmd.Parameters.Add(new() { Value = audience.ToString().ToLowerInvariant() });
            cmd.Parameters.Add(new() { Value = (object?)account ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = phase.ToString().ToLowerInvariant() });
            cmd.Parameters.Add(new() { Value = label });
            cmd.Parameters.Add(new() { Value = subject });
            cmd.Parameters.Add(new() { Value = $"{label} {body}" });
            cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(figures ?? new { }), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = now });
            number = (int)(await cmd.ExecuteScalarAsync())!;
        }

        await fixture.Desk.Outbox.AppendAsync(tx, "update.published", incident.Value, account, null, new { number }, CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
        return await fixture.Desk.GetUpdateAsync(incident, number);
    }

    /// <summary>Appends <c>update.published</c> again, as an outbox read twice would hand it over again.</summary>
    public static async Task RedeliverAsync(CommsFixture fixture, IncidentUpdate update)
    {
        await using var tx = await fixture.Desk.Context.BeginAsync(CancellationToken.None);
        await fixture.Desk.Outbox.AppendAsync(tx, "update.published", update.Incident.Value, update.Account, null, new { number = update.Number }, CancellationToken.None);
        await tx.CommitAsync(CancellationToken.None);
    }

    /// <summary>A site in us-east with a tracker licence and a contact per address given.</summary>
    public static Task<SiteId> SiteWithContactsAsync(CommsFixture fixture, params string?[] emails) => SiteInRegionAsync(fixture, "us-east", emails);

    /// <summary>A site in <paramref name="region"/> with a tracker licence and a contact per address given.</summary>
    public static async Task<SiteId> SiteInRegionAsync(CommsFixture fixture, string region, params string?[] emails)
    {
        var platform = fixture.Platform.Platform;
        var site = await platform.Sites.CreateAsync($"Site {Guid.NewGuid():n}", region);
        await platform.Provisioning.GrantLicenceAsync(site.Id, PlatformFixture.Tracker, 10);
        foreach (var email in emails)
        {
            await platform.Contacts.AddAsync(site.Id, ContactRole.Admin, $"Contact of {site.Name}", email, email is null ? "+81 3 0000 0000" : null);
        }

        return site.Id;
    }

    /// <summary>Every row of the channels' tables, as text: equal before and after means a refused call changed nothing.</summary>
    public static async Task<string> ChannelStateAsync(CommsFixture fixture)
    {
        await using var connection = new NpgsqlConnection(fixture.Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT concat_ws(E'\n',
                (SELECT json_agg(m ORDER BY message_id)::text FROM comms.messages m),
                (SELECT json_agg(s ORDER BY address_key, component)::text FROM comms.subscriptions s),
                (SELECT json_agg(t ORDER BY token_hash)::text FROM comms.subscription_tokens t),
                (SELECT json_agg(w ORDER BY webhook_id)::text FROM comms.webhooks w))
            """, connection);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Runs a call that must be refused; returns its message after checking that nothing changed.</summary>
    public static async Task<string> RefusedAsync(CommsFixture fixture, Func<Task> call)
    {
        var before = await ChannelStateAsync(fixture);
        var refused = await Should.ThrowAsync<PlatformException>(call);
        (await ChannelStateAsync(fixture)).ShouldBe(before, "a refused call must change nothing");
        return refused.Message;
    }

    /// <summary>The messages in the Maildir to <paramref name="address"/>, waiting until <paramref name="count"/> are there.</summary>
    public static async Task<IReadOnlyList<(string File, MimeMessage Message)>> MailToAsync(string address, int count = 1, TimeSpan? within = null)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var found = MailMatching(address);
            if (found.Count >= count)
            {
                return found;
            }

            if (waited.Elapsed > (within ?? Patience))
            {
                throw new TimeoutException($"waited for {count} message(s) to {address} in {Maildir}, found {found.Count} (is postfix running? bash scripts/setup.sh postfix)");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Every message in the Maildir whose text holds <paramref name="tag"/> (an address, or a part of one unique to a test).</summary>
    public static List<(string File, MimeMessage Message)> MailMatching(string tag)
    {
        var found = new List<(string, MimeMessage)>();
        foreach (var folder in new[] { "new", "cur" })
        {
            var path = Path.Combine(Maildir, folder);
            if (!Directory.Exists(path))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(path))
            {
                string text;
                try
                {
                    text = File.ReadAllText(file);
                }
                catch (IOException)
                {
                    continue;
                }

                if (text.Contains(tag, StringComparison.OrdinalIgnoreCase))
                {
                    using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
                    found.Add((file, MimeMessage.Load(stream)));
                }
            }
        }

        return found;
    }

    /// <summary>Removes this test's own messages from the shared Maildir, so it does not grow with every run.</summary>
    public static void RemoveMail(string tag)
    {
        foreach (var (file, message) in MailMatching(tag))
        {
            message.Dispose();
            File.Delete(file);
        }
    }
}
