using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Which updates are owed now, at the desk's clock: an internal update when no note (a stream's update is
/// one) came for the severity's interval since the later of the declaration and the last note; a customer
/// update likewise from the last <c>customer-update</c> event; each stream with a cadence of its own from
/// the later of its opening and its last update; and, given the restore's progress, one reminder when it
/// crosses further 10 % steps since the step last reminded of (kept in <c>progress_steps</c>, on the
/// timeline); and one while affected sites came back (restored, read live from the platform) after the last customer
/// update. A snoozed reminder is not due until its snooze ends. Resolved and closed incidents owe none.
/// </summary>
internal sealed class CadenceReminders(IncidentContext context, LifeboatPlatform platform)
{
    public async Task<IReadOnlyList<Reminder>> DueAsync(IncidentId id, RestoreProgress? progress, CancellationToken ct)
    {
        if (progress is { } p && (p.SitesAffected <= 0 || p.SitesRestored < 0 || p.SitesRestored > p.SitesAffected))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"restore progress of {p.SitesRestored} of {p.SitesAffected} sites is not a count of restored among affected sites: give 0 to {Math.Max(p.SitesAffected, 0)} restored of at least 1 affected. Nothing was changed.");
        }

        var now = context.Time.GetUtcNow();
        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        if (incident.Phase is IncidentPhase.Resolved or IncidentPhase.Closed)
        {
            return [];
        }

        var snoozed = await SnoozedAsync(tx, id, now, ct);
        var due = new List<Reminder>();
        var severity = IncidentNames.Of(incident.Severity);
        if (context.Cadence.InternalEvery(incident.Severity) is { } every && !snoozed.Contains((ReminderNames.Of(ReminderKind.InternalUpdate), null)))
        {
            var since = Later(incident.DeclaredAt, await LastEventAsync(tx, id, "note", ct)) + every;
            if (now >= since)
            {
                due.Add(new Reminder(ReminderKind.InternalUpdate, null, since,
                    $"internal update due since {since:u}: {severity} asks for one every {ReminderNames.Minutes(every)}; post a note on where the incident stands"));
            }
        }

        if (context.Cadence.CustomerFacingEvery(incident.Severity) is { } customerEvery && !snoozed.Contains((ReminderNames.Of(ReminderKind.CustomerUpdate), null)))
        {
            var since = Later(incident.DeclaredAt, await LastEventAsync(tx, id, "customer-update", ct)) + customerEvery;
            if (now >= since)
            {
                due.Add(new Reminder(ReminderKind.CustomerUpdate, null, since,
                    $"customer update due since {since:u}: {severity} asks for one every {ReminderNames.Minutes(customerEvery)}; tell customers where the incident stands and record it"));
            }
        }

        if (!snoozed.Contains((ReminderNames.Of(ReminderKind.CustomerNotUpdated), null)) && await CustomerNotUpdatedAsync(tx, incident, ct) is { } back)
        {
            due.Add(back);
        }

        due.AddRange(await StreamsDueAsync(tx, id, now, snoozed, ct));
        due.AddRange(await UnacknowledgedHandoffsAsync(tx, id, now, ct));
        if (progress is not null && !snoozed.Contains((ReminderNames.Of(ReminderKind.Progress), null)) && await ProgressDueAsync(tx, id, progress, now, ct) is { } step)
        {
            due.Add(step);
        }

        await tx.CommitAsync(ct);
        return due;
    }

    /// <summary>How many restored sites a customer-not-updated reminder names; the rest it counts.</summary>
    public const int SitesNamed = 5;

    /// <summary>
    /// The affected sites (declared, or tracked since) whose newest restore left them Restored at a time after the last
    /// customer update (or with none recorded): due since the earliest of those times, naming the first few and their customers.
    /// </summary>
    private async Task<Reminder?> CustomerNotUpdatedAsync(IncidentTransaction tx, Incident incident, CancellationToken ct)
    {
        var sites = new List<SiteId>(incident.Sites);
        await using (var cmd = tx.Command("SELECT site_id FROM incidents.site_tracking WHERE incident_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = incident.Id.Value });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                sites.Add(SiteId.FromValidated(reader.GetString(0)));
            }
        }

        if (sites.Count == 0)
        {
            return null;
        }

        var told = await LastEventAsync(tx, incident.Id, "customer-update", ct);
        var waiting = (await platform.Restores.LatestForSitesAsync([.. sites.Distinct()], ct))
            .Where(s => s.State == Lifeboat.Platform.Restores.SiteRestoreState.Restored && s.FinishedAt is { } back && (told is null || back > told))
            .OrderBy(s => s.FinishedAt).ThenBy(s => s.Site.Value, StringComparer.Ordinal)
            .ToList();
        if (waiting.Count == 0)
        {
            return null;
        }

        var named = string.Join(", ", waiting.Take(SitesNamed).Select(s => $"{s.Name ?? "unnamed"} ({s.Site}, back {s.FinishedAt:u})"));
        var more = waiting.Count > SitesNamed ? $", and {waiting.Count - SitesNamed} more" : "";
        var since = told is null ? "no customer update is recorded" : $"the last customer update was at {told:u}";
        return new Reminder(ReminderKind.CustomerNotUpdated, null, waiting[0].FinishedAt!.Value,
            $"{waiting.Count} site(s) came back and their customers were not told ({since}): {named}{more}; tell them their site is back and record the customer update");
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset? b) => b is { } v && v > a ? v : a;

    /// <summary>
    /// Handoffs waiting for their receiver longer than the policy allows. Each is escalated once, on the timeline,
    /// to the commander (for the commander role: to the backup commander and the one who handed it over).
    /// </summary>
    private async Task<IReadOnlyList<Reminder>> UnacknowledgedHandoffsAsync(IncidentTransaction tx, IncidentId id, DateTimeOffset now, CancellationToken ct)
    {
        var within = context.Cadence.AcknowledgeHandoffWithin;
        var late = new List<(long Handoff, string Role, string Slot, string From, string To, DateTimeOffset HandedAt, bool Escalated)>();
        await using (var cmd = tx.Command("""
            SELECT handoff_id, role, slot, from_person, to_person, handed_at, escalated_at IS NOT NULL FROM incidents.handoffs
            WHERE incident_id = $1 AND acknowledged_at IS NULL AND handed_at <= $2 ORDER BY handoff_id
            """))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = now - within });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                late.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetBoolean(6)));
            }
        }

        var due = new List<Reminder>();
        foreach (var h in late)
        {
            var commander = await RoleBook.HolderAsync(tx, id, IncidentRole.Commander, RoleSlot.Holder, "", ct);
            var backup = await RoleBook.HolderAsync(tx, id, IncidentRole.Commander, RoleSlot.Backup, "", ct);
            var to = h.Role == "commander"
                ? string.Join(" and ", new[] { backup?.Person, h.From }.OfType<string>().Distinct(StringComparer.Ordinal))
                : commander?.Person ?? $"{h.From}, who handed it over (no commander is named)";
            var role = h.Slot == "backup" ? $"backup {h.Role}" : h.Role;
            var text = $"handoff {h.Handoff} of {role} to {h.To} has waited {ReminderNames.Minutes(now - h.HandedAt)} unacknowledged (the limit is {ReminderNames.Minutes(within)}): " +
                $"escalated to {to}. {h.To} acknowledges it, or the role goes to someone who can take it now.";
            due.Add(new Reminder(ReminderKind.HandoffUnacknowledged, null, h.HandedAt + within, text));
            if (!h.Escalated)
            {
                await using var mark = tx.Command("UPDATE incidents.handoffs SET escalated_at = $3 WHERE incident_id = $1 AND handoff_id = $2");
                mark.Parameters.Add(new() { Value = id.Value });
                mark.Parameters.Add(new() { Value = h.Handoff });
                mark.Parameters.Add(new() { Value = now });
                await mark.ExecuteNonQueryAsync(ct);
                await context.RecordAsync(tx, id, "handoff-escalated", text, ct);
            }
        }

        return due;
    }

    private static async Task<DateTimeOffset?> LastEventAsync(IncidentTransaction tx, IncidentId id, string kind, CancellationToken ct)
    {
        await using var cmd = tx.Command("SELECT max(at) FROM incidents.timeline WHERE incident_id = $1 AND kind = $2");
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = kind });
        return await cmd.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    private static async Task<HashSet<(string Kind, string? Stream)>> SnoozedAsync(IncidentTransaction tx, IncidentId id, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = tx.Command("SELECT DISTINCT kind, stream FROM incidents.snoozes WHERE incident_id = $1 AND until > $2");
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = now });
        var set = new HashSet<(string, string?)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            set.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }

        return set;
    }

    private static async Task<IReadOnlyList<Reminder>> StreamsDueAsync(IncidentTransaction tx, IncidentId id, DateTimeOffset now, HashSet<(string Kind, string? Stream)> snoozed, CancellationToken ct)
    {
        await using var cmd = tx.Command("""
            SELECT s.stream, s.cadence_minutes, greatest(s.opened_at, (SELECT max(e.at) FROM incidents.stream_updates u
                     JOIN incidents.timeline e ON e.incident_id = u.incident_id AND e.event_id = u.event_id
                    WHERE u.incident_id = s.incident_id AND u.stream = s.stream))
            FROM incidents.streams s
            WHERE s.incident_id = $1 AND s.closed_at IS NULL AND s.cadence_minutes IS NOT NULL
            ORDER BY s.opened_at, s.stream
            """);
        cmd.Parameters.Add(new() { Value = id.Value });
        var due = new List<Reminder>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var stream = reader.GetString(0);
            var every = TimeSpan.FromMinutes(reader.GetInt32(1));
            var since = reader.GetFieldValue<DateTimeOffset>(2) + every;
            if (now >= since && !snoozed.Contains((ReminderNames.Of(ReminderKind.StreamUpdate), stream)))
            {
                due.Add(new Reminder(ReminderKind.StreamUpdate, stream, since,
                    $"stream {stream} update due since {since:u}: the stream asks for one every {ReminderNames.Minutes(every)}; post a stream update"));
            }
        }

        return due;
    }

    /// <summary>A reminder when the restore has crossed 10 % steps not reminded of yet; the step is kept so each fires once.</summary>
    private async Task<Reminder?> ProgressDueAsync(IncidentTransaction tx, IncidentId id, RestoreProgress progress, DateTimeOffset now, CancellationToken ct)
    {
        var step = (short)(progress.SitesRestored * 10L / progress.SitesAffected);
        // Locked: of two callers seeing one step at once, only the first reminds of it.
        await using (var ensure = tx.Command("INSERT INTO incidents.progress_steps (incident_id, step, reminded_at) VALUES ($1, 0, $2) ON CONFLICT (incident_id) DO NOTHING"))
        {
            ensure.Parameters.Add(new() { Value = id.Value });
            ensure.Parameters.Add(new() { Value = now });
            await ensure.ExecuteNonQueryAsync(ct);
        }

        short last;
        await using (var read = tx.Command("SELECT step FROM incidents.progress_steps WHERE incident_id = $1 FOR UPDATE"))
        {
            read.Parameters.Add(new() { Value = id.Value });
            last = (short)(await read.ExecuteScalarAsync(ct))!;
        }

        if (step <= last)
        {
            return null;
        }

        await using (var cmd = tx.Command("UPDATE incidents.progress_steps SET step = $2, reminded_at = $3 WHERE incident_id = $1"))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = step });
            cmd.Parameters.Add(new() { Value = now });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var text = $"another {(step - last) * 10} % restored: {progress.SitesRestored} of {progress.SitesAffected} sites ({progress.SitesRestored * 100L / progress.SitesAffected} %); post an update";
        await context.RecordAsync(tx, id, "reminder", text, ct);
        return new Reminder(ReminderKind.Progress, null, now, text);
    }
}
