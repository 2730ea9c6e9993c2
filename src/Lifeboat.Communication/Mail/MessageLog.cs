using Lifeboat.Communication.Internal;
using Lifeboat.Incidents;
using Npgsql;

namespace Lifeboat.Communication.Mail;

/// <summary>The mail log as people read it: an incident's messages with their delivery states, bounces included.</summary>
internal sealed class MessageLog(CommsContext context)
{
    private const string Columns = """
        message_id, incident_id, update_number, purpose, address, account_id, subscriber, state, attempts, last_error,
        smtp_queue_id, smtp_response, bounce_source, queued_at, sent_at, bounced_at, next_attempt_at
        """;

    /// <summary>An incident's messages in update order, then address; only <paramref name="state"/>'s when given.</summary>
    public async Task<IReadOnlyList<MailLogEntry>> OfIncidentAsync(IncidentId incident, int? update, MessageState? state, int limit, CancellationToken ct)
    {
        await using var cmd = context.Command($"""
            SELECT {Columns} FROM comms.messages
            WHERE incident_id = $1 AND ($2::integer IS NULL OR update_number = $2) AND ($3::text IS NULL OR state = $3)
            ORDER BY update_number, address_key LIMIT $4
            """);
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(CommsContext.Int(update));
        cmd.Parameters.Add(CommsContext.Text(state?.ToString().ToLowerInvariant()));
        cmd.Parameters.Add(new() { Value = limit });
        return await ReadAsync(cmd, ct);
    }

    /// <summary>The messages that went (or go) to an address, newest first.</summary>
    public async Task<IReadOnlyList<MailLogEntry>> ToAddressAsync(string address, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM comms.messages WHERE address_key = lower($1) ORDER BY queued_at DESC, message_id DESC LIMIT 100");
        cmd.Parameters.Add(new() { Value = address.Trim() });
        return await ReadAsync(cmd, ct);
    }

    private static async Task<IReadOnlyList<MailLogEntry>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<MailLogEntry>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var state = Enum.Parse<MessageState>(r.GetString(7), ignoreCase: true);
            list.Add(new MailLogEntry(r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.GetString(3), r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5), r.GetBoolean(6), state, r.GetInt32(8), r.IsDBNull(9) ? null : r.GetString(9),
                r.IsDBNull(10) ? null : r.GetString(10), r.IsDBNull(11) ? null : r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12),
                r.GetFieldValue<DateTimeOffset>(13), r.IsDBNull(14) ? null : r.GetFieldValue<DateTimeOffset>(14),
                r.IsDBNull(15) ? null : r.GetFieldValue<DateTimeOffset>(15), state == MessageState.Queued ? r.GetFieldValue<DateTimeOffset>(16) : null));
        }

        return list;
    }
}
