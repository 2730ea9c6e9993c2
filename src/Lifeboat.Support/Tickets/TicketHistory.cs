using System.Text.Json;
using Lifeboat.Platform;
using Lifeboat.Platform.Internal;
using Lifeboat.Support.Internal;
using Npgsql;

namespace Lifeboat.Support.Tickets;

/// <summary>The append-only history of tickets: the one statement that adds to it, and the read of one ticket's.</summary>
internal static class TicketHistory
{
    public static NpgsqlBatchCommand Entry(TicketId ticket, string kind, DateTimeOffset at, string actor, string text, object data)
    {
        var cmd = new NpgsqlBatchCommand("INSERT INTO support.ticket_history (ticket_id, kind, at, actor, text, data) VALUES ($1, $2, $3, $4, $5, $6)");
        cmd.Parameters.Add(SupportContext.Text(ticket.Value));
        cmd.Parameters.Add(SupportContext.Text(kind));
        cmd.Parameters.Add(new() { Value = at });
        cmd.Parameters.Add(SupportContext.Text(actor));
        cmd.Parameters.Add(SupportContext.Text(text));
        cmd.Parameters.Add(SupportContext.Json(JsonSerializer.Serialize(data, PlatformJson.Options)));
        return cmd;
    }

    public static async Task<IReadOnlyList<TicketEntry>> OfAsync(SupportContext context, TicketId ticket, CancellationToken ct)
    {
        await using var cmd = context.Command("SELECT entry_id, kind, at, actor, text, data::text FROM support.ticket_history WHERE ticket_id = $1 ORDER BY entry_id");
        cmd.Parameters.Add(SupportContext.Text(ticket.Value));
        var entries = new List<TicketEntry>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            entries.Add(new TicketEntry(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3), reader.GetString(4),
                JsonDocument.Parse(reader.GetString(5)).RootElement.Clone()));
        }

        return entries;
    }
}
