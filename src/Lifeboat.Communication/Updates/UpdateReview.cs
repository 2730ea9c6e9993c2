using Lifeboat.Communication.Events;
using Lifeboat.Communication.Internal;
using Lifeboat.Incidents;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Updates;

/// <summary>
/// The review step: the communications lead or the commander of the incident (holder or backup) approves a draft, another
/// person double-checks it, and only then can it be published. A draft that is not wanted is withdrawn, never deleted.
/// </summary>
internal sealed class UpdateReview(CommsContext context, IncidentDesk incidents, CommsOutbox outbox)
{
    private static readonly IncidentRole[] Approvers = [IncidentRole.CommunicationsLead, IncidentRole.Commander];

    public async Task<IncidentUpdate> ApproveAsync(IncidentId incident, int number, CancellationToken ct)
    {
        var roles = await incidents.RolesAsync(incident, ct);
        if (!roles.Any(r => Approvers.Contains(r.Role) && string.Equals(r.Person, context.Actor, StringComparison.OrdinalIgnoreCase)))
        {
            var holders = roles.Where(r => Approvers.Contains(r.Role)).Select(r => $"{r.Person} ({Words.Role(r.Role)}{(r.Slot == RoleSlot.Backup ? ", backup" : "")})").ToList();
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"{context.Actor} cannot approve update {number} of incident {incident}: the communications lead or the commander approves (holder or backup). " +
                (holders.Count == 0 ? "No one holds either role: assign a communications lead first." : $"Ask {string.Join(" or ", holders)}.") + " Nothing was changed.");
        }

        return await MoveAsync(incident, number, "update.approved", (update, tx) =>
        {
            Require(update, UpdateState.Draft, "approved");
            return ("state = 'approved', approved_at = $3, approved_by = $4", []);
        }, ct);
    }

    /// <summary>
    /// Approves and checks a product's progress draft by the runbook's rule (<c>publish-progress-updates: true</c>): the record
    /// says so (approved by <c>runbook:&lt;type&gt;</c>, checked by <c>lifeboat</c>) rather than naming a person who did not read it.
    /// </summary>
    public Task<IncidentUpdate> ApproveByRunbookAsync(IncidentId incident, int number, string runbook, CancellationToken ct) =>
        MoveAsync(incident, number, "update.approved", (update, tx) =>
        {
            Require(update, UpdateState.Draft, "approved");
            if (update.Origin != UpdateOrigin.Progress)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"update {number} of incident {incident} was drafted by {update.DraftedBy}: a runbook publishes only the product's own progress drafts.");
            }

            return ("state = 'approved', approved_at = $3, approved_by = $5, checked_at = $3, checked_by = $4", new object[] { $"runbook:{runbook}" });
        }, ct);

    public Task<IncidentUpdate> DoubleCheckAsync(IncidentId incident, int number, CancellationToken ct) =>
        MoveAsync(incident, number, "update.checked", (update, tx) =>
        {
            if (update.State == UpdateState.Draft)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"update {number} of incident {incident} is not approved yet: the communications lead or the commander approves it first, then another person double-checks it. Nothing was changed.");
            }

            Require(update, UpdateState.Approved, "double-checked");
            if (update.CheckedBy is not null)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"update {number} of incident {incident} was already double-checked by {update.CheckedBy}: it can be published. Nothing was changed.");
            }

            if (string.Equals(update.ApprovedBy, context.Actor, StringComparison.OrdinalIgnoreCase))
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"{context.Actor} approved update {number} of incident {incident} and cannot double-check it too: another person reads it before it goes out. Nothing was changed.");
            }

            return ("checked_at = $3, checked_by = $4", []);
        }, ct);

    public Task<IncidentUpdate> WithdrawAsync(IncidentId incident, int number, string reason, CancellationToken ct)
    {
        var why = reason?.Trim();
        if (string.IsNullOrEmpty(why) || why.Length > 500)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "withdrawing a draft needs a reason (1 to 500 characters): it stays in the incident's record. Nothing was changed.");
        }

        return MoveAsync(incident, number, "update.withdrawn", (update, tx) =>
        {
            if (update.State == UpdateState.Published)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"update {number} of incident {incident} is published and cannot be withdrawn: draft a correction that points at it. Nothing was changed.");
            }

            Require(update, update.State == UpdateState.Approved ? UpdateState.Approved : UpdateState.Draft, "withdrawn");
            return ("state = 'withdrawn', withdrawn_at = $3, withdrawn_by = $4, withdrawn_reason = $5", new object[] { why });
        }, ct);
    }

    /// <summary>The publishing itself: only an approved, double-checked update; it is then immutable (the database refuses any change).</summary>
    public Task<IncidentUpdate> PublishAsync(IncidentId incident, int number, CancellationToken ct) =>
        MoveAsync(incident, number, "update.published", (update, tx) =>
        {
            if (update.State == UpdateState.Draft)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"update {number} of incident {incident} is not approved: the communications lead or the commander approves it, and another person double-checks it, before it goes out. Nothing was published.");
            }

            Require(update, UpdateState.Approved, "published");
            if (update.CheckedBy is null)
            {
                throw new PlatformException(PlatformErrorKind.Conflict, $"update {number} of incident {incident} was approved by {update.ApprovedBy} but not double-checked: another person reads it before it goes out. Nothing was published.");
            }

            return ("state = 'published', published_at = $3, published_by = $4", []);
        }, ct);

    private static void Require(IncidentUpdate update, UpdateState state, string verb)
    {
        if (update.State != state)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"update {update.Number} of incident {update.Incident} is {Words.State(update.State)} and cannot be {verb}." +
                (update.State == UpdateState.Published ? " Draft a correction that points at it instead." : "") + " Nothing was changed.");
        }
    }

    private async Task<IncidentUpdate> MoveAsync(IncidentId incident, int number, string eventType,
        Func<IncidentUpdate, CommsTransaction, (string Set, object[] Extra)> decide, CancellationToken ct)
    {
        await using var tx = await context.BeginAsync(ct);
        IncidentUpdate current;
        await using (var read = tx.Command($"SELECT {UpdateBook.Columns} FROM comms.updates WHERE incident_id = $1 AND update_number = $2 FOR UPDATE"))
        {
            read.Parameters.Add(new() { Value = incident.Value });
            read.Parameters.Add(new() { Value = number });
            await using var reader = await read.ExecuteReaderAsync(ct);
            current = await reader.ReadAsync(ct) ? UpdateBook.Read(reader) : throw UpdateBook.NotFound(incident, number);
        }

        var (set, extra) = decide(current, tx);
        IncidentUpdate moved;
        await using (var write = tx.Command($"UPDATE comms.updates SET {set} WHERE incident_id = $1 AND update_number = $2 RETURNING {UpdateBook.Columns}"))
        {
            write.Parameters.Add(new() { Value = incident.Value });
            write.Parameters.Add(new() { Value = number });
            write.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            write.Parameters.Add(new() { Value = context.Actor });
            foreach (var value in extra)
            {
                write.Parameters.Add(new() { Value = value });
            }

            await using var reader = await write.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            moved = UpdateBook.Read(reader);
        }

        await outbox.AppendAsync(tx, eventType, incident.Value, moved.Account, null, UpdateEvents.Payload(moved), ct);
        await tx.CommitAsync(ct);
        return moved;
    }
}

/// <summary>Names as people read them in messages.</summary>
internal static class Words
{
    public static string Role(IncidentRole role) => role switch
    {
        IncidentRole.CommunicationsLead => "communications lead",
        IncidentRole.SupportLead => "support lead",
        _ => role.ToString().ToLowerInvariant(),
    };

    public static string State(UpdateState state) => state switch
    {
        UpdateState.Draft => "a draft",
        UpdateState.Approved => "approved",
        UpdateState.Published => "published",
        _ => "withdrawn",
    };
}
