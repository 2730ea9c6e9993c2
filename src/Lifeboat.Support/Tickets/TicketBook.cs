using Lifeboat.Platform;
using Lifeboat.Support.Attachments;
using Lifeboat.Support.Internal;
using Lifeboat.Support.Sla;
using Npgsql;

namespace Lifeboat.Support.Tickets;

/// <summary>Reading tickets (one with its history; a queue's or an account's, newest first) and what support does to one by hand.</summary>
internal sealed class TicketBook(SupportContext context, LifeboatPlatform platform, SlaPolicy? sla = null)
{
    private readonly SlaPolicy _sla = sla ?? new SlaPolicy();

    public const int MaxList = TicketBookLimits.MaxList;
    public const int MaxMessage = 10_000;

    public async Task<TicketView> GetAsync(TicketId ticket, CancellationToken ct) =>
        new(await TicketAsync(ticket, ct), await TicketHistory.OfAsync(context, ticket, ct)) { Attachments = await TicketAttachments.OfAsync(context, ticket, ct) };

    public Task<IReadOnlyList<Ticket>> ListAsync(TicketQueue? queue, AccountId? account, int limit, CancellationToken ct) =>
        ListAsync(new TicketFilter(queue, account, null, limit), ct);

    public async Task<IReadOnlyList<Ticket>> ListAsync(TicketFilter filter, CancellationToken ct)
    {
        var (queue, account, owner, limit) = filter;
        if (limit is < 1 or > MaxList)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"limit {limit} is out of range: list 1 to {MaxList} tickets at a time.");
        }

        // The account leads where it is given (tickets_of_account), the queue otherwise (tickets_in_queue); unconfirmed requests are not work yet.
        // An owner's list is its open work (tickets_of_owner): what the team on shift answers now.
        await using var cmd = context.Command($"""
            SELECT {Ticket.Columns} FROM support.tickets t
            WHERE ($1::text IS NULL OR t.account_id = $1) AND ($2::text IS NULL OR t.queue = $2) AND t.state <> 'unverified'
              AND ($4::text IS NULL OR (t.owner_team = $4 AND t.state IN ('open', 'pending') AND t.merged_into IS NULL))
            ORDER BY t.ticket_id DESC LIMIT $3
            """);
        cmd.Parameters.Add(SupportContext.Text(account?.Value));
        cmd.Parameters.Add(SupportContext.Text(queue is { } q ? TicketWords.Of(q) : null));
        cmd.Parameters.Add(SupportContext.Int(limit));
        cmd.Parameters.Add(SupportContext.Text(owner));
        var tickets = new List<Ticket>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            tickets.Add(Ticket.Read(reader));
        }

        return tickets;
    }

    /// <summary>A person links a triage ticket to the account they confirmed it belongs to; it leaves triage for the general queue.</summary>
    public async Task<TicketView> LinkAsync(TicketId ticket, AccountId account, string? reason, CancellationToken ct)
    {
        var why = Text(reason, 1000, "the reason", required: false);
        var customer = await platform.Accounts.GetAsync(account, ct);
        var found = await TicketAsync(ticket, ct);
        if (found.Account is { } already)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"ticket {ticket} is on account {already} already; nothing changed.");
        }

        if (found.State == TicketState.Unverified)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"ticket {ticket} waits for its requester to confirm their address; a ticket is linked once they have. Nothing changed.");
        }

        var now = context.Time.GetUtcNow();
        await using var tx = await context.BeginAsync(ct);
        await using var batch = tx.Batch();
        var update = new NpgsqlBatchCommand("""
            UPDATE support.tickets SET account_id = $2, queue = CASE WHEN queue = 'triage' THEN 'general' ELSE queue END, updated_at = $3
            WHERE ticket_id = $1 AND account_id IS NULL
            """);
        update.Parameters.Add(SupportContext.Text(ticket.Value));
        update.Parameters.Add(SupportContext.Text(account.Value));
        update.Parameters.Add(new() { Value = now });
        batch.BatchCommands.Add(update);
        batch.BatchCommands.Add(TicketHistory.Entry(ticket, "linked", now, context.Actor, $"linked to {customer} by hand{(why is null ? "" : $": {why}")}",
            new { account, reason = why }));
        var changed = await batch.ExecuteNonQueryAsync(ct);
        if (changed < 2)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"ticket {ticket} was linked by someone else meanwhile; nothing changed. Open it again.");
        }

        await tx.CommitAsync(ct);
        return await GetAsync(ticket, ct);
    }

    /// <summary>
    /// A message on the ticket (an answer, a note of a call), public to the customer; a ticket merged into another takes none and
    /// names that one. It is support's answer: it stops the first-response clock and starts the update clock again.
    /// </summary>
    public async Task<TicketView> AddMessageAsync(TicketId ticket, string? text, CancellationToken ct)
    {
        var message = Text(text, MaxMessage, "the message", required: true)!;
        var found = await TicketAsync(ticket, ct);
        if (found.MergedInto is { } into)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"ticket {ticket} was merged into {into}: write there. Nothing changed.");
        }

        var now = context.Time.GetUtcNow();
        await using var tx = await context.BeginAsync(ct);
        await using var batch = tx.Batch();
        batch.BatchCommands.Add(TicketHistory.Entry(ticket, "message", now, context.Actor, message, new { }));
        var touch = new NpgsqlBatchCommand("""
            UPDATE support.tickets SET updated_at = $2, first_responded_at = coalesce(first_responded_at, $2), last_responded_at = $2, update_due = $2 + $3
            WHERE ticket_id = $1
            """);
        touch.Parameters.Add(SupportContext.Text(ticket.Value));
        touch.Parameters.Add(new() { Value = now });
        touch.Parameters.Add(new() { Value = _sla.Of(found.Priority).Update });
        batch.BatchCommands.Add(touch);
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return await GetAsync(ticket, ct);
    }

    private async Task<Ticket> TicketAsync(TicketId ticket, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Ticket.Columns} FROM support.tickets t WHERE t.ticket_id = $1");
        cmd.Parameters.Add(SupportContext.Text(ticket.Value));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? Ticket.Read(reader)
            : throw new PlatformException(PlatformErrorKind.NotFound, $"ticket {ticket} does not exist in this environment; list the queues for the tickets there are.");
    }

    private static string? Text(string? value, int max, string what, bool required)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return required ? throw new PlatformException(PlatformErrorKind.Invalid, $"{what} is empty: write what to add. Nothing changed.") : null;
        }

        return trimmed.Length <= max ? trimmed
            : throw new PlatformException(PlatformErrorKind.Invalid, $"{what} is {trimmed.Length} characters long; the limit is {max}. Shorten it; nothing changed.");
    }
}
