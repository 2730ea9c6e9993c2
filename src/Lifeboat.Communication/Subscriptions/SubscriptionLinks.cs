using Lifeboat.Communication.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Subscriptions;

/// <summary>What a link's token is, for the page a GET shows before anything changes.</summary>
public sealed record SubscriptionLink(string Purpose, string Address, IReadOnlyList<string> Components, bool Used, bool Expired);

/// <summary>
/// The links of the mails: a confirmation link confirms the subscriptions its address asked for before the mail was
/// sent, once; an unsubscribe link ends every subscription of its address, without login, and saying so again when
/// used again. A GET only reads (mail scanners open links); the change is a POST.
/// </summary>
internal sealed class SubscriptionLinks(CommsContext context)
{
    public async Task<SubscriptionLink> ReadAsync(string? token, string purpose, CancellationToken ct)
    {
        var found = await FindAsync(context.Command(Select), SubscriptionTokens.HashOf(token), purpose, ct);
        var components = purpose == SubscriptionTokens.Confirm
            ? await new SubscriberList(context).PendingOfAsync(found.AddressKey, ct)
            : await ActiveOfAsync(found.AddressKey, ct);
        return new SubscriptionLink(purpose, found.Address, components, found.UsedAt is not null, found.ExpiresAt < context.Time.GetUtcNow());
    }

    /// <summary>Confirms; refuses a link used before or expired, saying what to do. Returns the components now confirmed.</summary>
    public async Task<IReadOnlyList<string>> ConfirmAsync(string? token, CancellationToken ct)
    {
        var hash = SubscriptionTokens.HashOf(token);
        var now = context.Time.GetUtcNow();
        await using var tx = await context.BeginAsync(ct);
        var found = await FindAsync(tx.Command(Select + " FOR UPDATE OF t"), hash, SubscriptionTokens.Confirm, ct);
        if (found.UsedAt is not null)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"this confirmation link was used already ({found.UsedAt:u}); a link confirms once. To subscribe again, ask on the status page for a new one.");
        }

        if (found.ExpiresAt < now)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"this confirmation link expired at {found.ExpiresAt:u}; nothing was confirmed. Ask on the status page for a new one.");
        }

        var confirmed = new List<string>();
        await using (var cmd = tx.Command("""
            UPDATE comms.subscriptions SET state = 'confirmed', confirmed_at = $3
            WHERE address_key = $1 AND state = 'pending' AND requested_at <= $2
            RETURNING component
            """))
        {
            cmd.Parameters.Add(new() { Value = found.AddressKey });
            cmd.Parameters.Add(new() { Value = found.IssuedAt });
            cmd.Parameters.Add(new() { Value = now });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                confirmed.Add(reader.GetString(0));
            }
        }

        await MarkUsedAsync(tx, hash, now, ct);
        await tx.CommitAsync(ct);
        return [.. confirmed.Order(StringComparer.Ordinal)];
    }

    /// <summary>Ends every subscription of the link's address; returns how many were active (none when used before).</summary>
    public async Task<int> UnsubscribeAsync(string? token, CancellationToken ct)
    {
        var hash = SubscriptionTokens.HashOf(token);
        var now = context.Time.GetUtcNow();
        await using var tx = await context.BeginAsync(ct);
        var found = await FindAsync(tx.Command(Select + " FOR UPDATE OF t"), hash, SubscriptionTokens.Unsubscribe, ct);
        int ended;
        await using (var cmd = tx.Command("""
            UPDATE comms.subscriptions SET state = 'unsubscribed', unsubscribed_at = $2 WHERE address_key = $1 AND state <> 'unsubscribed'
            """))
        {
            cmd.Parameters.Add(new() { Value = found.AddressKey });
            cmd.Parameters.Add(new() { Value = now });
            ended = await cmd.ExecuteNonQueryAsync(ct);
        }

        if (found.UsedAt is null)
        {
            await MarkUsedAsync(tx, hash, now, ct);
        }

        await tx.CommitAsync(ct);
        return ended;
    }

    private const string Select = """
        SELECT t.address_key, m.address, t.issued_at, t.expires_at, t.used_at
        FROM comms.subscription_tokens t JOIN comms.messages m ON m.message_id = t.message_id
        WHERE t.token_hash = $1 AND t.purpose = $2
        """;

    private static async Task<Found> FindAsync(Npgsql.NpgsqlCommand cmd, byte[] hash, string purpose, CancellationToken ct)
    {
        await using (cmd)
        {
            cmd.Parameters.Add(new() { Value = hash });
            cmd.Parameters.Add(new() { Value = purpose });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                throw new PlatformException(PlatformErrorKind.NotFound, purpose == SubscriptionTokens.Confirm
                    ? "this confirmation link is not known: it may be mistyped or cut; open it from the mail as it is, or ask on the status page for a new one."
                    : "this unsubscribe link is not known: it may be mistyped or cut; open it from the mail as it is.");
            }

            return new Found(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
        }
    }

    private static async Task MarkUsedAsync(CommsTransaction tx, byte[] hash, DateTimeOffset now, CancellationToken ct)
    {
        await using var used = tx.Command("UPDATE comms.subscription_tokens SET used_at = $2 WHERE token_hash = $1");
        used.Parameters.Add(new() { Value = hash });
        used.Parameters.Add(new() { Value = now });
        await used.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<string>> ActiveOfAsync(string addressKey, CancellationToken ct)
    {
        await using var cmd = context.Command("SELECT component FROM comms.subscriptions WHERE address_key = $1 AND state <> 'unsubscribed' ORDER BY component");
        cmd.Parameters.Add(new() { Value = addressKey });
        var list = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }

    private sealed record Found(string AddressKey, string Address, DateTimeOffset IssuedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? UsedAt);
}
