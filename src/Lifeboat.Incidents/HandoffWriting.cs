using System.Text.Json;
using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Moves a single-holder role to another person with a written packet: the sender's note and what the
/// module computes as of the change (phase, severity, open role gaps). The role moves at once; the
/// handoff stays pending until the receiver acknowledges it.
/// </summary>
internal sealed class HandoffWriting(IncidentContext context, RoleBook roles, HandoffBook handoffs, LifeboatPlatform platform)
{
    public const int MaxNote = 10_000;

    public async Task<Handoff> HandOffAsync(IncidentId id, IncidentRole role, string to, string note, RoleSlot slot, CancellationToken ct)
    {
        RoleAssignment.RequireDefined(role, slot);
        var receiver = IncidentContext.RequirePerson(to, "the person to hand over to");
        if (!IncidentNames.IsSingleHolder(role))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{IncidentNames.Of(role)} is held by many, so it is not handed over: assign {receiver} as a {IncidentNames.Of(role)} as well. Nothing was changed.");
        }

        var written = note?.Trim();
        if (string.IsNullOrEmpty(written))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"the handoff to {receiver} has no note: write what {receiver} needs to carry on (what is happening, what is due next, what was ruled out). Nothing was changed.");
        }

        if (written.Length > MaxNote)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"the handoff note is {written.Length} characters long; keep it to {MaxNote} and add the rest as timeline notes. Nothing was changed.");
        }

        // What the receiver needs besides the note, read before the role's rows are locked.
        var briefing = await BriefingAsync(id, ct);
        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "hand over the role on the survivor");
        // Locked: of two handoffs of one role at once, the second waits for the first and is then told who holds the role now.
        var holder = await RoleBook.HolderAsync(tx, id, role, slot, "FOR UPDATE", ct);
        if (holder is null)
        {
            // A statement of its own sees what committed while the lock was awaited.
            throw await RoleBook.HolderAsync(tx, id, role, slot, "", ct) is { } now
                ? new PlatformException(PlatformErrorKind.Conflict,
                    $"{now.Person} became the {RoleAssignment.Describe(role, slot)} of incident {id} while this handoff waited (another handoff or assignment came first): " +
                    $"read the roles again, and hand over from {now.Person} if {receiver} should still take it. Nothing was changed.")
                : new PlatformException(PlatformErrorKind.Conflict,
                    $"no one is the {RoleAssignment.Describe(role, slot)} of incident {id}, so there is nothing to hand over: assign {receiver} instead. Nothing was changed.");
        }

        if (await RoleBook.SamePersonAsync(tx, holder.Person, receiver, ct))
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"{holder.Person} is already the {RoleAssignment.Describe(role, slot)} of incident {id}: hand over to someone else. Nothing was changed.");
        }

        await roles.EndAsync(tx, holder, ct);
        // The backup taking over is the usual handoff: they stop being the backup, which the packet then reports as a gap.
        var otherSlot = slot == RoleSlot.Holder ? RoleSlot.Backup : RoleSlot.Holder;
        if (await RoleBook.HolderAsync(tx, id, role, otherSlot, "FOR UPDATE", ct) is { } other && await RoleBook.SamePersonAsync(tx, other.Person, receiver, ct))
        {
            await roles.EndAsync(tx, other, ct);
        }

        await roles.StartAsync(tx, id, role, slot, receiver, ct);
        var gaps = await RoleBook.GapsAsync(tx, id, ct);
        var packet = new HandoffPacket(written, incident.Phase, incident.Severity, [.. gaps.Select(g => g.Described)])
        {
            OpenTasks = briefing.OpenTasks,
            OpenHypotheses = briefing.OpenHypotheses,
            RuledOut = briefing.RuledOut,
            LastUpdates = briefing.LastUpdates,
            DueNext = briefing.DueNext,
        };
        long handoffId;
        await using (var cmd = tx.Command("""
            INSERT INTO incidents.handoffs (incident_id, role, slot, from_person, to_person, packet, handed_at, handed_by)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) RETURNING handoff_id
            """))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = IncidentNames.Of(role) });
            cmd.Parameters.Add(new() { Value = IncidentNames.Of(slot) });
            cmd.Parameters.Add(new() { Value = holder.Person });
            cmd.Parameters.Add(new() { Value = receiver });
            cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(HandoffBook.Stored.From(packet)) });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = context.Actor });
            handoffId = (long)(await cmd.ExecuteScalarAsync(ct))!;
        }

        await context.RecordAsync(tx, id, "handoff",
            $"{holder.Person} handed {RoleAssignment.Describe(role, slot)} to {receiver} (handoff {handoffId}, awaiting acknowledgement): {written}", ct);
        await context.TouchAsync(tx, id, ct);
        await tx.CommitAsync(ct);
        return await handoffs.GetAsync(id, handoffId, ct);
    }

    /// <summary>
    /// The generated part of the packet: open tasks per stream, hypotheses open and ruled out, the last update
    /// per audience, and what is due next (reminders due now, then the open tasks with the nearest due times).
    /// </summary>
    private async Task<HandoffPacket> BriefingAsync(IncidentId id, CancellationToken ct)
    {
        var open = (await new TaskBook(context).ListAsync(id, null, ct)).Where(t => t.State == IncidentTaskState.Open).ToList();
        var hypotheses = await new Hypotheses(context).ListAsync(id, ct);
        var reminders = await new CadenceReminders(context, platform).DueAsync(id, null, ct);
        var updates = new List<PacketUpdate>();
        foreach (var (audience, kinds) in new[] { ("internal", new[] { "note", "stream-update" }), ("customer", new[] { "customer-update" }) })
        {
            await using var cmd = context.Command("SELECT at, actor, text FROM incidents.timeline WHERE incident_id = $1 AND kind = ANY($2) ORDER BY event_id DESC LIMIT 1");
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = kinds });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                updates.Add(new PacketUpdate(audience, reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        return new HandoffPacket("", IncidentPhase.Investigating, IncidentSeverity.Sev4, [])
        {
            OpenTasks = [.. open.GroupBy(t => t.Stream).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new PacketStream(g.Key, [.. g.Select(t => $"#{t.Number} {t.Owner ?? "unclaimed"}: {t.Action} (for: {t.Purpose}){(t.Due is { } due ? $", due {due:u}" : "")}")]))],
            OpenHypotheses = [.. hypotheses.Where(h => h.Open).Select(h => $"{h.Id}: {h.Text}")],
            RuledOut = [.. hypotheses.Where(h => !h.Open).Select(h => $"{h.Id}: {h.Text} (ruled out by {h.RuledOutBy}: {h.RuledOutWhy})")],
            LastUpdates = updates,
            DueNext = [.. reminders.Select(r => r.Text), .. open.Where(t => t.Due is not null).OrderBy(t => t.Due).Take(5).Select(t => $"task #{t.Number} due {t.Due:u}: {t.Action}")],
        };
    }
}
