using System.Globalization;
using Lifeboat.Incidents;
using Lifeboat.Retrospectives.Internal;

namespace Lifeboat.Retrospectives.Actions;

/// <summary>
/// Reminds of open actions before they are due: once two days before (or as soon as an action is that close when created),
/// once on the day (or the first pass after it, saying it is overdue). Each fires once, kept in <c>retro.action_reminders</c>
/// (its key is the action and the reminder), and goes on the incident's timeline as a note by the product, where the
/// responders and the retrospective's page see it. A reminder whose note could not be written is not recorded, so the next
/// pass fires it again.
/// </summary>
internal sealed class ReminderFiring(RetroContext context, IncidentDesk incidents)
{
    public const string TwoDaysBefore = "two-days-before";
    public const string DueToday = "due-today";

    public async Task<IReadOnlyList<ActionReminder>> FireAsync(CancellationToken ct)
    {
        var now = context.Time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var due = new List<(IncidentId Incident, int Action, string Kind, string Title, string Owner, DateOnly Due)>();
        await using (var cmd = context.Command("""
            SELECT a.incident_id, a.action_number, a.kind, a.title, a.owner, a.due FROM retro.actions a
            WHERE a.state = 'open' AND a.due <= $1
              AND NOT EXISTS (SELECT 1 FROM retro.action_reminders r WHERE r.incident_id = a.incident_id AND r.action_number = a.action_number AND r.reminder = 'due-today')
            ORDER BY a.due, a.incident_id, a.action_number
            """))
        {
            cmd.Parameters.Add(new() { Value = today.AddDays(2) });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                due.Add((IncidentId.FromValidated(reader.GetString(0)), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateOnly>(5)));
            }
        }

        var fired = new List<ActionReminder>();
        foreach (var a in due)
        {
            var (reminder, when) = a.Due > today
                ? (TwoDaysBefore, $"is due {a.Due:yyyy-MM-dd}, in {a.Due.DayNumber - today.DayNumber} day(s)")
                : a.Due == today ? (DueToday, "is due today") : (DueToday, string.Create(CultureInfo.InvariantCulture, $"was due {a.Due:yyyy-MM-dd} and is overdue"));
            var text = $"retrospective action {a.Action} ({a.Kind}) owned by {a.Owner} {when}: {a.Title}";
            await using var tx = await context.BeginAsync(ct);
            await using var insert = tx.Command("""
                INSERT INTO retro.action_reminders (incident_id, action_number, reminder, fired_at, text) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT DO NOTHING
                """);
            insert.Parameters.Add(RetroContext.Text(a.Incident.Value));
            insert.Parameters.Add(new() { Value = a.Action });
            insert.Parameters.Add(RetroContext.Text(reminder));
            insert.Parameters.Add(new() { Value = now });
            insert.Parameters.Add(RetroContext.Text(text));
            if (await insert.ExecuteNonQueryAsync(ct) == 0)
            {
                continue;
            }

            await incidents.NoteAsync(a.Incident, text, ct);
            await tx.CommitAsync(ct);
            fired.Add(new ActionReminder(a.Action, reminder, now, text));
        }

        return fired;
    }
}
