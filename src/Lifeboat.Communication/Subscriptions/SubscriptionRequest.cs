using Lifeboat.Communication.Mail;
using Lifeboat.Communication.StatusPages;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Subscriptions;

/// <summary>
/// Someone asks for status mail about components. The subscriptions are pending until the address confirms them with
/// the link of a confirmation mail (double opt-in). At most one confirmation goes to an address within
/// <see cref="MailOptions.ConfirmationEvery"/>, so asking twice (or someone else asking for you) does not flood the
/// mailbox, and the caller's answer is the same whatever the address's subscriptions were: it never tells whether
/// an address was already subscribed.
/// </summary>
internal sealed class SubscriptionRequest(CommunicationDesk desk, MailOptions options)
{
    public const string ConfirmPurpose = "subscription-confirm";

    public const int MaxComponents = 50;

    public async Task SubscribeAsync(string? address, IReadOnlyList<string>? components, CancellationToken ct)
    {
        var mailbox = MailAddresses.Require(address);
        var wanted = (components ?? []).Select(c => c?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count is 0 or > MaxComponents)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"name 1 to {MaxComponents} components to subscribe to ({wanted.Count} given): a component is <product ID>@<region>, as the status page lists them.");
        }

        var catalog = await ComponentCatalog.ListAsync(desk.Platform, ct);
        var keys = wanted.Select(c => ComponentCatalog.Require(catalog, c).Key).ToArray();
        var key = MailAddresses.KeyOf(mailbox.Address);
        var now = desk.Context.Time.GetUtcNow();

        await using var tx = await desk.Context.BeginAsync(ct);
        // One request per address at a time, so two at once cannot both decide a confirmation is due.
        await using (var serialize = tx.Command("SELECT pg_advisory_xact_lock(hashtextextended($1, 7613))"))
        {
            serialize.Parameters.Add(new() { Value = key });
            await serialize.ExecuteNonQueryAsync(ct);
        }

        await using (var upsert = tx.Command("""
            INSERT INTO comms.subscriptions (address_key, component, address, state, requested_at)
            SELECT $1, c, $2, 'pending', $3 FROM unnest($4::text[]) AS c
            ON CONFLICT (address_key, component) DO UPDATE SET state = 'pending', requested_at = excluded.requested_at, address = excluded.address,
                confirmed_at = NULL, unsubscribed_at = NULL
            WHERE comms.subscriptions.state <> 'confirmed'
            """))
        {
            upsert.Parameters.Add(new() { Value = key });
            upsert.Parameters.Add(new() { Value = mailbox.Address });
            upsert.Parameters.Add(new() { Value = now });
            upsert.Parameters.Add(new() { Value = keys });
            await upsert.ExecuteNonQueryAsync(ct);
        }

        // A confirmation is due when something is pending and none went to the address lately; the recent one's link
        // confirms whatever was asked before it was sent.
        await using (var queue = tx.Command("""
            INSERT INTO comms.messages (purpose, address, address_key, subscriber, mail_token, state, next_attempt_at, queued_at)
            SELECT $1, $2, $3, false, $4, 'queued', $5, $5
            WHERE EXISTS (SELECT 1 FROM comms.subscriptions WHERE address_key = $3 AND state = 'pending')
              AND NOT EXISTS (SELECT 1 FROM comms.messages WHERE address_key = $3 AND purpose = $1 AND queued_at > $6)
            """))
        {
            queue.Parameters.Add(new() { Value = ConfirmPurpose });
            queue.Parameters.Add(new() { Value = mailbox.Address });
            queue.Parameters.Add(new() { Value = key });
            queue.Parameters.Add(new() { Value = UpdateFanOut.NewToken() });
            queue.Parameters.Add(new() { Value = now });
            queue.Parameters.Add(new() { Value = now - options.ConfirmationEvery });
            await queue.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }
}
