using System.Security.Cryptography;
using Lifeboat.Platform;
using Lifeboat.Support.Internal;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Support.Attachments;

/// <summary>A file on a ticket: stored (its type, size and SHA-256), or refused with why (a mail's file that failed the checks).</summary>
public sealed record TicketAttachment(int Number, string FileName, string State, string? ContentType, long SizeBytes, string? Sha256, string? RefusedWhy, DateTimeOffset At);

/// <summary>A stored attachment's bytes, to hand to staff as a download.</summary>
public sealed record AttachmentContent(string FileName, string ContentType, byte[] Content);

/// <summary>The attachments of tickets: the statements that add them (inside the caller's transaction), the list of a ticket's, and one's bytes.</summary>
internal static class TicketAttachments
{
    /// <summary>Adds a checked file as stored, numbered after the ticket's existing ones.</summary>
    public static NpgsqlBatchCommand Stored(TicketId ticket, CheckedFile file, DateTimeOffset at)
    {
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO support.attachments (ticket_id, attachment_no, file_name, state, content_type, size_bytes, sha256, content, created_at)
            SELECT $1, coalesce(max(attachment_no), 0) + 1, $2, 'stored', $3, $4, $5, $6, $7 FROM support.attachments WHERE ticket_id = $1
            """);
        cmd.Parameters.Add(SupportContext.Text(ticket.Value));
        cmd.Parameters.Add(SupportContext.Text(file.Name));
        cmd.Parameters.Add(SupportContext.Text(file.ContentType));
        cmd.Parameters.Add(SupportContext.Int(file.Content.Length));
        cmd.Parameters.Add(new() { Value = SHA256.HashData(file.Content), NpgsqlDbType = NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new() { Value = file.Content, NpgsqlDbType = NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new() { Value = at });
        return cmd;
    }

    /// <summary>Records a file that was sent but refused (its name, size and why), without its bytes.</summary>
    public static NpgsqlBatchCommand Refused(TicketId ticket, string name, int size, string why, DateTimeOffset at)
    {
        var cmd = new NpgsqlBatchCommand("""
            INSERT INTO support.attachments (ticket_id, attachment_no, file_name, state, size_bytes, refused_why, created_at)
            SELECT $1, coalesce(max(attachment_no), 0) + 1, $2, 'refused', $3, $4, $5 FROM support.attachments WHERE ticket_id = $1
            """);
        cmd.Parameters.Add(SupportContext.Text(ticket.Value));
        cmd.Parameters.Add(SupportContext.Text(name));
        cmd.Parameters.Add(SupportContext.Int(size));
        cmd.Parameters.Add(SupportContext.Text(why.Length <= 1000 ? why : why[..1000]));
        cmd.Parameters.Add(new() { Value = at });
        return cmd;
    }

    public static async Task<IReadOnlyList<TicketAttachment>> OfAsync(SupportContext context, TicketId ticket, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT attachment_no, file_name, state, content_type, size_bytes, encode(sha256, 'hex'), refused_why, created_at
            FROM support.attachments WHERE ticket_id = $1 ORDER BY attachment_no
            """);
        cmd.Parameters.Add(SupportContext.Text(ticket.Value));
        var found = new List<TicketAttachment>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(new TicketAttachment(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return found;
    }

    public static async Task<AttachmentContent> ContentAsync(SupportContext context, TicketId ticket, int number, CancellationToken ct)
    {
        await using var cmd = context.Command("SELECT file_name, state, content_type, content, refused_why FROM support.attachments WHERE ticket_id = $1 AND attachment_no = $2");
        cmd.Parameters.Add(SupportContext.Text(ticket.Value));
        cmd.Parameters.Add(SupportContext.Int(number));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"ticket {ticket} has no attachment {number}: open the ticket for the list of its files.");
        }

        return reader.GetString(1) == "stored"
            ? new AttachmentContent(reader.GetString(0), reader.GetString(2), reader.GetFieldValue<byte[]>(3))
            : throw new PlatformException(PlatformErrorKind.Conflict,
                $"attachment {number} of ticket {ticket} ('{reader.GetString(0)}') was refused when it came ({reader.GetString(4)}), so there is nothing to download; ask the customer for it again.");
    }
}
