using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Incidents;

/// <summary>Holds a reminder until a given time, for a reason that goes on the timeline (a snooze without one is refused).</summary>
internal sealed class ReminderSnoozing(IncidentContext context)
{
    public static readonly TimeSpan MaxSnooze = TimeSpan.FromDays(1);

    public async Task<ReminderSnooze> SnoozeAsync(IncidentId id, ReminderKind kind, DateTimeOffset until, string reason, string? stream, CancellationToken ct)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"reminder kind {(int)kind} does not exist: give internal-update, customer-update, stream-update, progress or customer-not-updated. Nothing was snoozed.");
        }

        if (kind == ReminderKind.HandoffUnacknowledged)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                "an unacknowledged handoff is not snoozed: its receiver acknowledges it, or the role is handed to someone who can take it now. Nothing was snoozed.");
        }

        var name = ReminderNames.Of(kind);
        var slug = stream?.Trim();
        if (kind == ReminderKind.StreamUpdate && string.IsNullOrEmpty(slug))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a stream-update reminder belongs to a stream: name the stream to snooze. Nothing was snoozed.");
        }

        if (kind != ReminderKind.StreamUpdate && slug is not null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the {name} reminder is the incident's, not stream {slug}'s: snooze it without a stream, or snooze stream-update for the stream. Nothing was snoozed.");
        }

        var why = reason?.Trim();
        if (string.IsNullOrEmpty(why) || why.Length > 500)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"snoozing the {name} reminder needs a reason of 1 to 500 characters (it has {why?.Length ?? 0}): say why no update is owed until then (\"waiting for the vendor's answer at 14:00\"). Nothing was snoozed.");
        }

        var now = context.Time.GetUtcNow();
        if (until <= now || until > now + MaxSnooze)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"a snooze until {until:u} is not between now ({now:u}) and 24 hours from now: give a time in that range. Nothing was snoozed.");
        }

        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "snooze the survivor's reminders");
        if (slug is not null)
        {
            await StreamBook.RequireOpenAsync(tx, id, slug, ct);
        }

        ReminderSnooze snooze;
        await using (var cmd = tx.Command("""
            INSERT INTO incidents.snoozes (incident_id, kind, stream, until, reason, snoozed_at, snoozed_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            RETURNING incident_id, snooze_id, kind, stream, until, reason, snoozed_at, snoozed_by
            """))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = name });
            cmd.Parameters.Add(IncidentContext.Text(slug));
            cmd.Parameters.Add(new() { Value = until });
            cmd.Parameters.Add(new() { Value = why });
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = context.Actor });
            snooze = (await ReadAsync(cmd, ct))[0];
        }

        var which = slug is null ? $"the {name} reminder" : $"stream {slug}'s update reminder";
        await context.RecordAsync(tx, id, "snooze", $"{context.Actor} snoozed {which} until {until:u}: {why}", ct);
        await tx.CommitAsync(ct);
        return snooze;
    }

    private static async Task<IReadOnlyList<ReminderSnooze>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<ReminderSnooze>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new ReminderSnooze(
                IncidentId.FromValidated(reader.GetString(0)),
                reader.GetInt64(1),
                ReminderNames.KindOf(reader.GetString(2)),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetString(7)));
        }

        return list;
    }
}
