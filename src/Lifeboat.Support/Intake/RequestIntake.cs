using Lifeboat.Platform;
using Lifeboat.Support.Attachments;
using Lifeboat.Support.Internal;
using Lifeboat.Support.Tickets;

namespace Lifeboat.Support.Intake;

/// <summary>
/// What the requester is told after sending a request. It is the same whatever the request matched (or did not): it names
/// only what they typed, never an account, a site or an incident, so the intake cannot be used to find out who is a customer.
/// </summary>
public sealed record IntakeReceipt(TicketId Request, string Email, DateTimeOffset ExpiresAt)
{
    public string Message => $"We sent a code to {Email}. Enter it here, or open the link in the mail, within 30 minutes to confirm your request.";
}

/// <summary>
/// Takes a request: stores it at once as an unverified ticket (nothing is lost, even if the mail never arrives), with the HMACs
/// of a new code and link, and mails both to the requester.
/// </summary>
internal sealed class RequestIntake(SupportContext context, SupportOptions options)
{
    public async Task<IntakeReceipt> SubmitAsync(SupportRequest request, TicketChannel channel, CancellationToken ct)
    {
        var settled = SupportRequestLimits.Settle(request);
        if (channel is not (TicketChannel.Form or TicketChannel.Api))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the public intake takes the form and the API channels, not '{TicketWords.Of(channel)}'. Nothing was stored.");
        }

        var ticket = TypedId.New<TicketId>(context.Time);
        var now = context.Time.GetUtcNow();
        var expires = now + options.CodeLifetime;
        var code = VerificationSecrets.NewCode();
        var token = VerificationSecrets.NewToken();
        var secrets = new VerificationSecrets(options.VerificationKey);

        await using (var tx = await context.BeginAsync(ct))
        {
            await using var batch = tx.Batch();
            var insert = new Npgsql.NpgsqlBatchCommand("""
                INSERT INTO support.tickets (ticket_id, channel, state, queue, priority, requester, company, site_given, subject, description, created_at, updated_at)
                VALUES ($1, $2, 'unverified', 'triage', 'normal', $3, $4, $5, $6, $7, $8, $8)
                """);
            insert.Parameters.Add(SupportContext.Text(ticket.Value));
            insert.Parameters.Add(SupportContext.Text(TicketWords.Of(channel)));
            insert.Parameters.Add(SupportContext.Text(settled.Email));
            insert.Parameters.Add(SupportContext.Text(settled.Company));
            insert.Parameters.Add(SupportContext.Text(settled.Site));
            insert.Parameters.Add(SupportContext.Text(settled.Subject));
            insert.Parameters.Add(SupportContext.Text(settled.Description));
            insert.Parameters.Add(new() { Value = now });
            batch.BatchCommands.Add(insert);
            batch.BatchCommands.Add(TicketHistory.Entry(ticket, "created", now, settled.Email, $"request received through the {TicketWords.Of(channel)}; waiting for the requester to confirm their address", new { }));
            var verification = new Npgsql.NpgsqlBatchCommand("""
                INSERT INTO support.verifications (ticket_id, address, code_hash, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
                """);
            verification.Parameters.Add(SupportContext.Text(ticket.Value));
            verification.Parameters.Add(SupportContext.Text(settled.Email));
            verification.Parameters.Add(new() { Value = secrets.CodeHash(ticket.Value, code) });
            verification.Parameters.Add(new() { Value = secrets.TokenHash(token) });
            verification.Parameters.Add(new() { Value = now });
            verification.Parameters.Add(new() { Value = expires });
            batch.BatchCommands.Add(verification);
            foreach (var file in settled.Files)
            {
                batch.BatchCommands.Add(TicketAttachments.Stored(ticket, file, now));
            }

            await batch.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }

        await new VerificationMail(context, options).SendAsync(ticket, settled.Email, code, token, expires, ct);
        return new IntakeReceipt(ticket, settled.Email, expires);
    }

    /// <summary>A filled honeypot field: counted, nothing else stored, and answered like a real request.</summary>
    public async Task<IntakeReceipt> HoneypotAsync(SupportRequest request, CancellationToken ct)
    {
        var settled = SupportRequestLimits.Settle(request);
        var now = context.Time.GetUtcNow();
        await using var cmd = context.Command("""
            INSERT INTO support.honeypot_hits (day, hits) VALUES ($1, 1) ON CONFLICT (day) DO UPDATE SET hits = support.honeypot_hits.hits + 1
            """);
        cmd.Parameters.Add(new() { Value = DateOnly.FromDateTime(now.UtcDateTime) });
        await cmd.ExecuteNonQueryAsync(ct);
        return new IntakeReceipt(TypedId.New<TicketId>(context.Time), settled.Email, now + options.CodeLifetime);
    }
}
