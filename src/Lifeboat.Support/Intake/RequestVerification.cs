using System.Globalization;
using Lifeboat.Platform;
using Lifeboat.Support.Internal;
using Lifeboat.Support.Tickets;

namespace Lifeboat.Support.Intake;

/// <summary>What a requester is told once their address is confirmed: the same whatever their request matched.</summary>
public sealed record VerifiedRequest(TicketId Request, string Email)
{
    public string Message => $"Thank you: your address is confirmed and your request {Request} is with our support team. We will answer at {Email}.";
}

/// <summary>
/// Confirms a requester's address by the code or the link of the mail, then routes the ticket (<see cref="TicketRouting"/>) in
/// the same transaction as the code is used: a code is used once (an atomic UPDATE … WHERE used_at IS NULL AND expires_at &gt; now
/// RETURNING), so two tries at once cannot both pass. A refusal says which: not a code at all, wrong (with the tries left), expired,
/// used already, or locked after too many wrong codes.
/// </summary>
internal sealed class RequestVerification(SupportContext context, SupportOptions options, TicketRouting routing)
{
    public async Task<VerifiedRequest> ByCodeAsync(TicketId ticket, string? code, CancellationToken ct)
    {
        var given = code?.Trim() ?? "";
        if (given.Length != 6 || !given.All(char.IsAsciiDigit))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a code is the 6 digits in the mail we sent; type them as they are. Nothing was changed.");
        }

        var hash = new VerificationSecrets(options.VerificationKey).CodeHash(ticket.Value, given);
        return await ConfirmAsync(ticket, """
            UPDATE support.verifications SET used_at = $2
            WHERE ticket_id = $1 AND code_hash = $3 AND used_at IS NULL AND expires_at > $2 AND wrong_codes < $4
            RETURNING ticket_id, address
            """, hash, byCode: true, ct);
    }

    public async Task<VerifiedRequest> ByLinkAsync(string? token, CancellationToken ct)
    {
        var given = token?.Trim() ?? "";
        if (given.Length is 0 or > 100)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "this link carries no token: open the link from the mail as it is, or enter the code instead.");
        }

        var hash = new VerificationSecrets(options.VerificationKey).TokenHash(given);
        await using var cmd = context.Command("SELECT ticket_id FROM support.verifications WHERE token_hash = $1");
        cmd.Parameters.Add(new() { Value = hash });
        if (await cmd.ExecuteScalarAsync(ct) is not string ticket)
        {
            throw new PlatformException(PlatformErrorKind.NotFound,
                "this link is not one we sent, or it was cut short: open it from the mail again, enter the code instead, or send the form again for a new one.");
        }

        return await ConfirmAsync(TicketId.FromValidated(ticket), """
            UPDATE support.verifications SET used_at = $2
            WHERE ticket_id = $1 AND token_hash = $3 AND used_at IS NULL AND expires_at > $2 AND $4 > 0
            RETURNING ticket_id, address
            """, hash, byCode: false, ct);
    }

    private async Task<VerifiedRequest> ConfirmAsync(TicketId ticket, string use, byte[] hash, bool byCode, CancellationToken ct)
    {
        var request = await RequestOfAsync(ticket, ct);
        var now = context.Time.GetUtcNow();
        await using var tx = await context.BeginAsync(ct);
        await using (var cmd = tx.Command(use))
        {
            cmd.Parameters.Add(SupportContext.Text(ticket.Value));
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = hash });
            cmd.Parameters.Add(SupportContext.Int(options.MaxWrongCodes));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                await reader.DisposeAsync();
                throw await WhyNotAsync(tx, ticket, byCode, now, ct);
            }
        }

        // Only a code that was taken is routed: a refused one writes nothing but its count (and routing may open the site's
        // incident ticket). Another try at the same time waits on the row this transaction holds, then finds it used.
        var route = await routing.DecideAsync(request, ct);
        await routing.ApplyAsync(tx, request, route, now, confirmed: true, ct);
        await tx.CommitAsync(ct);
        return new VerifiedRequest(ticket, request.Requester!);
    }

    private async Task<Ticket> RequestOfAsync(TicketId ticket, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Ticket.Columns} FROM support.tickets t WHERE t.ticket_id = $1 AND t.channel IN ('form', 'api')");
        cmd.Parameters.Add(SupportContext.Text(ticket.Value));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? Ticket.Read(reader)
            : throw new PlatformException(PlatformErrorKind.NotFound, $"there is no request {ticket} waiting for a code: check the reference in the mail, or send the form again.");
    }

    /// <summary>Why the code or link was not taken; a wrong code is counted (in the transaction, which then commits only that).</summary>
    private async Task<PlatformException> WhyNotAsync(SupportTransaction tx, TicketId ticket, bool byCode, DateTimeOffset now, CancellationToken ct)
    {
        DateTimeOffset expires;
        bool used;
        int wrong;
        await using (var cmd = tx.Command("SELECT expires_at, used_at IS NOT NULL, wrong_codes FROM support.verifications WHERE ticket_id = $1 FOR UPDATE"))
        {
            cmd.Parameters.Add(SupportContext.Text(ticket.Value));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return new PlatformException(PlatformErrorKind.NotFound, $"there is no request {ticket} waiting for a code: send the form again.");
            }

            (expires, used, wrong) = (reader.GetFieldValue<DateTimeOffset>(0), reader.GetBoolean(1), reader.GetInt32(2));
        }

        var again = "Send the form again for a new code; your first request is kept.";
        if (used)
        {
            return new PlatformException(PlatformErrorKind.Conflict,
                $"this {(byCode ? "code" : "link")} was used already: request {ticket} is confirmed, and a code works once. Nothing more to do; to add something, send a new request.");
        }

        if (byCode && wrong >= options.MaxWrongCodes)
        {
            return new PlatformException(PlatformErrorKind.Conflict, $"request {ticket} took {wrong} wrong codes and is locked. {again}");
        }

        if (expires <= now)
        {
            return new PlatformException(PlatformErrorKind.Conflict,
                $"this {(byCode ? "code" : "link")} expired at {expires.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture)} UTC (it works for {options.CodeLifetime.TotalMinutes:0} minutes). {again}");
        }

        await using (var count = tx.Command("UPDATE support.verifications SET wrong_codes = wrong_codes + 1 WHERE ticket_id = $1 RETURNING wrong_codes"))
        {
            count.Parameters.Add(SupportContext.Text(ticket.Value));
            wrong = (int)(await count.ExecuteScalarAsync(ct))!;
        }

        await tx.CommitAsync(ct);
        var left = options.MaxWrongCodes - wrong;
        return new PlatformException(PlatformErrorKind.Invalid, left > 0
            ? $"that is not the code we sent for request {ticket}: check the 6 digits in the mail. {left} {(left == 1 ? "try" : "tries")} left."
            : $"that is not the code we sent for request {ticket}, and it was the last try: the request is locked. {again}");
    }
}
