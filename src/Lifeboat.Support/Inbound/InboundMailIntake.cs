using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Lifeboat.Platform;
using Lifeboat.Support.Attachments;
using Lifeboat.Support.Intake;
using Lifeboat.Support.Internal;
using Lifeboat.Support.Tickets;
using MimeKit;
using Npgsql;

namespace Lifeboat.Support.Inbound;

/// <summary>What became of a mail to the support address.</summary>
public enum InboundOutcome
{
    /// <summary>A new ticket, channel email.</summary>
    Created,

    /// <summary>A message on the ticket its subject names ([tkt_…]), from that ticket's requester or one of its account's key contacts.</summary>
    Appended,

    /// <summary>A mail whose Message-ID was taken before (the mail server's retry): nothing was written again.</summary>
    Duplicate,
}

/// <summary>A mail taken: the ticket it made or joined, and how.</summary>
public sealed record InboundReceipt(TicketId Ticket, InboundOutcome Outcome, int AttachmentsStored, int AttachmentsRefused);

/// <summary>
/// Turns a mail to the support address into a ticket, in one transaction that also records its Message-ID, so the SMTP
/// listener answers 250 only once everything is stored, and the mail server's retry of the same mail makes nothing twice.
/// The From address is not confirmed (anyone can write any From): the mail is routed as a confirmed intake would be, so an
/// exact key contact's address puts it on that account, with its sites, incident and priority (where staff look for it),
/// but its history says the address was not confirmed, and it never merges into an incident's site ticket: a forged mail
/// may make a ticket staff can see for what it is, and cannot write into the ticket a customer's incident is tracked on.
/// A reply whose subject names a ticket ([tkt_…]) is added to it only when its From is that ticket's requester or a key
/// contact of its account; any other becomes a ticket of its own that mentions it.
/// </summary>
internal sealed partial class InboundMailIntake(SupportContext context, TicketRouting routing)
{
    public async Task<InboundReceipt> ReceiveAsync(ReadOnlyMemory<byte> raw, CancellationToken ct)
    {
        MimeMessage message;
        using (var stream = new MemoryStream(raw.ToArray(), writable: false))
        {
            try
            {
                message = await MimeMessage.LoadAsync(stream, ct);
            }
            catch (FormatException e)
            {
                throw new PlatformException(PlatformErrorKind.Invalid, $"the message could not be read as a mail ({e.Message}); nothing was stored.");
            }
        }

        var messageId = string.IsNullOrWhiteSpace(message.MessageId)
            ? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(raw.Span))
            : message.MessageId.Trim();
        if (messageId.Length > 1000)
        {
            messageId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(messageId)));
        }

        if (await TakenAsync(messageId, ct) is { } earlier)
        {
            return new InboundReceipt(earlier, InboundOutcome.Duplicate, 0, 0);
        }

        var sender = message.From.Mailboxes.FirstOrDefault()?.Address
            ?? throw new PlatformException(PlatformErrorKind.Invalid, "the mail has no From address, so support could not answer it; nothing was stored. Send it again from your address.");
        try
        {
            sender = SupportRequestLimits.Address(sender);
        }
        catch (PlatformException)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the mail's From, '{sender}', is not an address support can answer; nothing was stored. Send it again from your address.");
        }

        var subject = (message.Subject ?? "").Trim();
        var text = TextOf(message);
        var files = FilesOf(message);
        var now = context.Time.GetUtcNow();

        var named = TicketReference().Match(subject) is { Success: true } m && TypedId.TryParse<TicketId>(m.Groups[1].Value.ToLowerInvariant(), out var id, out _) ? id : (TicketId?)null;
        if (named is { } reply && await ReplyTargetAsync(reply, sender, ct) is { } target)
        {
            return await AppendAsync(target, messageId, sender, raw.Length, text.Length > 0 ? text : subject, files, now, ct);
        }

        return await CreateAsync(messageId, sender, raw.Length, subject, text, named, files, now, ct);
    }

    private async Task<InboundReceipt> CreateAsync(string messageId, string sender, int size, string subject, string text, TicketId? mentioned, IReadOnlyList<SupportFile> files,
        DateTimeOffset now, CancellationToken ct)
    {
        var description = Clip(string.Join("\n\n", new[] { subject, text }.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)));
        if (description.Length == 0)
        {
            description = "(the mail had neither a subject nor any text)";
        }

        var ticket = TypedId.New<TicketId>(context.Time);
        var settledSubject = subject.Length == 0 ? new SettledRequest(sender, null, null, description).Subject : subject.Length <= 120 ? subject : subject[..117] + "...";
        await using var tx = await context.BeginAsync(ct);
        if (!await ClaimAsync(tx, messageId, ticket, sender, "created", size, now, ct))
        {
            return new InboundReceipt((await TakenAsync(messageId, ct))!.Value, InboundOutcome.Duplicate, 0, 0);
        }

        await using (var batch = tx.Batch())
        {
            var insert = new NpgsqlBatchCommand("""
                INSERT INTO support.tickets (ticket_id, channel, state, queue, priority, requester, subject, description, created_at, updated_at)
                VALUES ($1, 'email', 'unverified', 'triage', 'normal', $2, $3, $4, $5, $5)
                """);
            insert.Parameters.Add(SupportContext.Text(ticket.Value));
            insert.Parameters.Add(SupportContext.Text(sender));
            insert.Parameters.Add(SupportContext.Text(settledSubject));
            insert.Parameters.Add(SupportContext.Text(description));
            insert.Parameters.Add(new() { Value = now });
            batch.BatchCommands.Add(insert);
            batch.BatchCommands.Add(TicketHistory.Entry(ticket, "created", now, sender,
                $"mail received from {sender} (Message-ID {messageId}); the From address was not confirmed" + (mentioned is { } m ? $"; it names ticket {m}, which it was not added to because {sender} is neither its requester nor a key contact of its account" : ""),
                new { messageId, fromConfirmed = false, mentions = mentioned }));
            await batch.ExecuteNonQueryAsync(ct);
        }

        var (stored, refused) = await AttachAsync(tx, ticket, files, now, ct);
        var request = new Ticket(ticket, null, [], null, TicketChannel.Email, TicketState.Unverified, TicketQueue.Triage, TicketPriority.Normal, sender, null, null,
            settledSubject, description, default, null, now, now);
        var route = await routing.DecideAsync(request, ct);
        await routing.ApplyAsync(tx, request, route with { MergeInto = null }, now, confirmed: false, ct);
        await tx.CommitAsync(ct);
        return new InboundReceipt(ticket, InboundOutcome.Created, stored, refused);
    }

    private async Task<InboundReceipt> AppendAsync(TicketId ticket, string messageId, string sender, int size, string text, IReadOnlyList<SupportFile> files, DateTimeOffset now,
        CancellationToken ct)
    {
        await using var tx = await context.BeginAsync(ct);
        if (!await ClaimAsync(tx, messageId, ticket, sender, "appended", size, now, ct))
        {
            return new InboundReceipt((await TakenAsync(messageId, ct))!.Value, InboundOutcome.Duplicate, 0, 0);
        }

        await using (var batch = tx.Batch())
        {
            var message = Clip(text.Length > 0 ? text : "(the mail had no text)");
            batch.BatchCommands.Add(TicketHistory.Entry(ticket, "message", now, sender, message, new { channel = "email", messageId }));
            var touch = new NpgsqlBatchCommand("UPDATE support.tickets SET updated_at = $2, state = CASE WHEN state = 'pending' THEN 'open' ELSE state END WHERE ticket_id = $1");
            touch.Parameters.Add(SupportContext.Text(ticket.Value));
            touch.Parameters.Add(new() { Value = now });
            batch.BatchCommands.Add(touch);
            await batch.ExecuteNonQueryAsync(ct);
        }

        var (stored, refused) = await AttachAsync(tx, ticket, files, now, ct);
        await tx.CommitAsync(ct);
        return new InboundReceipt(ticket, InboundOutcome.Appended, stored, refused);
    }

    /// <summary>
    /// The mail's files, each held to the intake's checks; a file that fails (or one past the third) is recorded as refused, with
    /// why, and the ticket is made all the same: the customer's words matter more than a file support can ask for again.
    /// </summary>
    private static async Task<(int Stored, int Refused)> AttachAsync(SupportTransaction tx, TicketId ticket, IReadOnlyList<SupportFile> files, DateTimeOffset now,
        CancellationToken ct)
    {
        if (files.Count == 0)
        {
            return (0, 0);
        }

        var (stored, refused) = (0, 0);
        await using var batch = tx.Batch();
        foreach (var file in files)
        {
            var name = AttachmentRules.NameOf(file.Name);
            var why = stored >= AttachmentLimits.MaxFiles
                ? $"the mail had more than {AttachmentLimits.MaxFiles} files; a ticket takes at most {AttachmentLimits.MaxFiles} per mail."
                : AttachmentRules.Check(file);
            if (why is null)
            {
                batch.BatchCommands.Add(TicketAttachments.Stored(ticket, new CheckedFile(name, AttachmentRules.TypeOf(file.Content.Span)!, file.Content.ToArray()), now));
                stored++;
            }
            else
            {
                batch.BatchCommands.Add(TicketAttachments.Refused(ticket, name, file.Content.Length, why, now));
                refused++;
            }
        }

        // Numbered in order: each statement of the batch sees the rows of the ones before it.
        await batch.ExecuteNonQueryAsync(ct);

        if (refused > 0)
        {
            await using var note = tx.Batch();
            note.BatchCommands.Add(TicketHistory.Entry(ticket, "message", now, "lifeboat",
                $"{refused} file(s) of the mail were refused ({AttachmentLimits.TypesTaken}, at most {AttachmentRules.Megabytes(AttachmentLimits.MaxBytes)} each, {AttachmentLimits.MaxFiles} per mail); see the attachments for why",
                new { refused }));
            await note.ExecuteNonQueryAsync(ct);
        }

        return (stored, refused);
    }

    /// <summary>Records the Message-ID in the transaction; false when another delivery of the same mail took it first.</summary>
    private static async Task<bool> ClaimAsync(SupportTransaction tx, string messageId, TicketId ticket, string sender, string outcome, int size, DateTimeOffset now,
        CancellationToken ct)
    {
        await using var cmd = tx.Command("""
            INSERT INTO support.inbound_messages (message_id, ticket_id, sender, outcome, size_bytes, received_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (message_id) DO NOTHING
            """);
        cmd.Parameters.Add(SupportContext.Text(messageId));
        cmd.Parameters.Add(SupportContext.Text(ticket.Value));
        cmd.Parameters.Add(SupportContext.Text(sender));
        cmd.Parameters.Add(SupportContext.Text(outcome));
        cmd.Parameters.Add(SupportContext.Int(size));
        cmd.Parameters.Add(new() { Value = now });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    private async Task<TicketId?> TakenAsync(string messageId, CancellationToken ct)
    {
        await using var cmd = context.Command("SELECT ticket_id FROM support.inbound_messages WHERE message_id = $1");
        cmd.Parameters.Add(SupportContext.Text(messageId));
        return await cmd.ExecuteScalarAsync(ct) is string id ? TicketId.FromValidated(id) : null;
    }

    /// <summary>
    /// The ticket a reply goes on: the named one (or the one it was merged into), when the sender is its requester or a key contact of
    /// its account; otherwise null, and the mail makes a ticket of its own.
    /// </summary>
    private async Task<TicketId?> ReplyTargetAsync(TicketId named, string sender, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT coalesce(t.merged_into, t.ticket_id)
            FROM support.tickets t
            WHERE t.ticket_id = $1 AND t.state <> 'unverified'
              AND (lower(t.requester) = lower($2)
                   OR EXISTS (SELECT 1 FROM platform.account_contacts c WHERE c.account_id = t.account_id AND lower(c.email) = lower($2) AND c.removed_at IS NULL))
            """);
        cmd.Parameters.Add(SupportContext.Text(named.Value));
        cmd.Parameters.Add(SupportContext.Text(sender));
        return await cmd.ExecuteScalarAsync(ct) is string id ? TicketId.FromValidated(id) : null;
    }

    /// <summary>The mail's words: its plain text, or its HTML without tags.</summary>
    private static string TextOf(MimeMessage message)
    {
        var text = message.TextBody;
        if (string.IsNullOrWhiteSpace(text) && message.HtmlBody is { } html)
        {
            text = System.Net.WebUtility.HtmlDecode(Tags().Replace(html, " "));
        }

        return (text ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
    }

    private static List<SupportFile> FilesOf(MimeMessage message)
    {
        var files = new List<SupportFile>();
        foreach (var part in message.Attachments.OfType<MimePart>())
        {
            using var content = new MemoryStream();
            part.Content?.DecodeTo(content);
            files.Add(new SupportFile(part.FileName, content.ToArray()));
        }

        return files;
    }

    /// <summary>A mail longer than a ticket's description is cut there, and says so: the limit is the ticket's, the mail was taken.</summary>
    private static string Clip(string text)
    {
        const string cut = "\n\n[cut here: the mail was longer than the 10,000 characters a ticket keeps]";
        return text.Length <= SupportRequestLimits.MaxDescription ? text : text[..(SupportRequestLimits.MaxDescription - cut.Length)] + cut;
    }

    [GeneratedRegex(@"\[(tkt_[a-z0-9]{2,40})\]", RegexOptions.IgnoreCase)]
    private static partial Regex TicketReference();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();
}
