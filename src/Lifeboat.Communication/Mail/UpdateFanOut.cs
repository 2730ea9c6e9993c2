using System.Security.Cryptography;
using Lifeboat.Communication.CustomerPages;
using Lifeboat.Communication.Events;
using Lifeboat.Communication.Internal;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;
using NpgsqlTypes;

namespace Lifeboat.Communication.Mail;

/// <summary>
/// The outbox's consumer <c>mail</c>: each <c>update.published</c> of a public or customer update queues one message per
/// recipient (<see cref="UpdateRecipients"/>). The messages are queued in a transaction of their own before the cursor
/// moves, and the log holds one message per update and address, so an event read again (the cursor did not move
/// after a crash) queues nothing twice. A key contact's message names their account's customer link (<see cref="LinksOfAsync"/>).
/// </summary>
internal sealed class UpdateFanOut(CommunicationDesk desk)
{
    public const string Consumer = "mail";

    public Task<int> RunAsync(int max, CancellationToken ct) =>
        desk.Outbox.ConsumeAsync(Consumer, events => QueueAsync(events, ct), max, ct);

    private async Task QueueAsync(IReadOnlyList<CommsEvent> events, CancellationToken ct)
    {
        foreach (var e in events)
        {
            if (e.Type != "update.published" || e.Incident is null || UpdateNumberOf(e) is not { } number)
            {
                continue;
            }

            var update = await new UpdateBook(desk.Context).GetAsync(IncidentId.FromValidated(e.Incident), number, ct);
            if (update.Audience == UpdateAudience.Internal)
            {
                continue;
            }

            await QueueAsync(update, await new UpdateRecipients(desk).RecipientsAsync(update, ct), ct);
        }
    }

    /// <summary>Queues one message of <paramref name="update"/> per recipient that has none yet; returns how many were new.</summary>
    internal async Task<int> QueueAsync(IncidentUpdate update, IReadOnlyList<Recipient> recipients, CancellationToken ct)
    {
        if (recipients.Count == 0)
        {
            return 0;
        }

        var links = await LinksOfAsync(update, recipients, ct);
        var now = desk.Context.Time.GetUtcNow();
        await using var cmd = desk.Context.Command("""
            INSERT INTO comms.messages (incident_id, update_number, purpose, address, address_key, display_name, account_id, subscriber,
                mail_token, state, next_attempt_at, queued_at, link_id)
            SELECT $1, $2, 'update', r.address, lower(r.address), r.name, coalesce(r.account, $3), r.subscriber, r.token, 'queued', $4, $4, r.link
            FROM unnest($5::text[], $6::text[], $7::boolean[], $8::text[], $9::text[], $10::text[]) AS r(address, name, subscriber, token, link, account)
            ON CONFLICT (incident_id, update_number, address_key) WHERE purpose = 'update' DO NOTHING
            """);
        cmd.Parameters.Add(new() { Value = update.Incident.Value });
        cmd.Parameters.Add(new() { Value = update.Number });
        cmd.Parameters.Add(CommsContext.Text(update.Account));
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(new() { Value = recipients.Select(r => r.Address).ToArray() });
        cmd.Parameters.Add(new() { Value = recipients.Select(r => (object?)r.Name ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = recipients.Select(r => r.Subscriber).ToArray() });
        cmd.Parameters.Add(new() { Value = recipients.Select(_ => NewToken()).ToArray() });
        cmd.Parameters.Add(new()
        {
            Value = recipients.Select(r => r.Account is { } a && links.TryGetValue(a, out var link) ? (object)link : DBNull.Value).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        // The customer each message reaches (a key contact's account), so "every affected customer was told" can be read from the log.
        cmd.Parameters.Add(new() { Value = recipients.Select(r => (object?)r.Account ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The customer page each account's key contacts get with the update, so that the people whose logins went with their sites
    /// can still follow their own sites: one link per account and incident, mailed again with later updates while it has a week
    /// left. None when the desk has no link key (a library user who never set one up).
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> LinksOfAsync(IncidentUpdate update, IReadOnlyList<Recipient> recipients, CancellationToken ct)
    {
        if (desk.Options.LinkKey is null)
        {
            return new Dictionary<string, string>();
        }

        var accounts = recipients.Select(r => r.Account).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return accounts.Count == 0 ? new Dictionary<string, string>() : await new CustomerLinks(desk.Context, desk.Options.LinkKey).ForMailAsync(update.Incident, accounts, ct);
    }

    /// <summary>The token of a message's Message-ID and VERP sender: 16 random bytes, so a bounce cannot be forged for a message one has not seen.</summary>
    internal static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The update an event is about: its payload's <c>number</c>.</summary>
    private static int? UpdateNumberOf(CommsEvent e) =>
        e.Payload.ValueKind == System.Text.Json.JsonValueKind.Object && e.Payload.TryGetProperty("number", out var n) && n.TryGetInt32(out var number) ? number : null;
}
