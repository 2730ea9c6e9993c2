using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Incidents;

/// <summary>Reads an incident's timeline, newest first and bounded, and adds notes to it.</summary>
internal sealed class Timeline(IncidentContext context)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    internal const string Columns = "incident_id, event_id, at, actor, source, kind, text, pinned_at, pinned_by";

    public async Task<IReadOnlyList<TimelineEvent>> ListAsync(IncidentId id, int limit, bool pinnedOnly, CancellationToken ct)
    {
        if (limit is < 1 or > MaxLimit)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"a timeline is listed {limit} events at a time; give a limit from 1 to {MaxLimit}.");
        }

        await context.RequireAsync(id, ct);
        await using var cmd = context.Command($"""
            SELECT {Columns} FROM incidents.timeline
            WHERE incident_id = $1 AND ($3 = false OR pinned_at IS NOT NULL)
            ORDER BY at DESC, event_id DESC LIMIT $2
            """);
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = limit });
        cmd.Parameters.Add(new() { Value = pinnedOnly });
        return await ReadAsync(cmd, ct);
    }

    public async Task<TimelineEvent> NoteAsync(IncidentId id, string text, CancellationToken ct)
    {
        var written = text?.Trim();
        if (string.IsNullOrEmpty(written))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the note for incident {id} is empty: write what happened or what was decided. Nothing was added.");
        }

        if (written.Length > 10_000)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the note is {written.Length} characters long; a timeline note is at most 10,000. Nothing was added.");
        }

        await using var tx = await context.BeginAsync(ct);
        // Notes go on closed incidents too: the retrospective is written after the close.
        await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        var eventId = await context.RecordAsync(tx, id, "note", written, ct);
        await tx.CommitAsync(ct);
        return await GetAsync(id, eventId, ct);
    }

    public async Task<TimelineEvent> GetAsync(IncidentId id, long eventId, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM incidents.timeline WHERE incident_id = $1 AND event_id = $2");
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = eventId });
        return (await ReadAsync(cmd, ct)).SingleOrDefault()
            ?? throw new PlatformException(PlatformErrorKind.NotFound, $"incident {id} has no timeline event {eventId}: list its timeline for the number. Nothing was changed.");
    }

    internal static async Task<IReadOnlyList<TimelineEvent>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<TimelineEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new TimelineEvent(
                IncidentId.FromValidated(reader.GetString(0)),
                reader.GetInt64(1),
                reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return list;
    }
}
