using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Retrospectives.Internal;

namespace Lifeboat.Retrospectives.Actions;

/// <summary>
/// Adds an action of one of the five kinds, owned by an enabled operator of this Lifeboat (someone who can be reminded and can
/// close it), due on a day not yet past; and records a kind as "not needed" with a reason of at least 10 characters.
/// </summary>
internal sealed class ActionWriting(RetroContext context, LifeboatPlatform platform)
{
    public const int MinReason = 10;

    public async Task<int> AddAsync(IncidentId incident, ActionDraft draft, CancellationToken ct)
    {
        var title = draft.Title?.Trim();
        if (string.IsNullOrEmpty(title) || title.Length > 200)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"an action's title is 1 to 200 characters; this one is {title?.Length ?? 0}: say in a line what will be done. Nothing was changed.");
        }

        var owner = RetroContext.RequirePerson(draft.Owner, "the action's owner");
        var account = await platform.Operators.FindAsync(owner, ct);
        if (account is null || account.DisabledAt is not null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"{owner} {(account is null ? "is not an operator of this Lifeboat" : "has a disabled account")}, so cannot own an action: give it to an operator (lifeboat operator list). Nothing was changed.");
        }

        var today = DateOnly.FromDateTime(context.Time.GetUtcNow().UtcDateTime);
        if (draft.Due < today)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the due date {draft.Due:yyyy-MM-dd} is past (today is {today:yyyy-MM-dd} UTC): give today or a later day. Nothing was changed.");
        }

        await new Writers(context).RequireAsync(incident, ct);
        await using var tx = await context.BeginAsync(ct);
        await RetrospectiveBook.LockAsync(tx, incident, ct);
        await using var cmd = tx.Command("""
            INSERT INTO retro.actions (incident_id, action_number, kind, title, owner, due, state, created_at, created_by)
            SELECT $1, coalesce(max(action_number), 0) + 1, $2, $3, $4, $5, 'open', $6, $7 FROM retro.actions WHERE incident_id = $1
            RETURNING action_number
            """);
        cmd.Parameters.Add(RetroContext.Text(incident.Value));
        cmd.Parameters.Add(RetroContext.Text(RetrospectiveNames.Of(draft.Kind)));
        cmd.Parameters.Add(RetroContext.Text(title));
        cmd.Parameters.Add(RetroContext.Text(account.Login));
        cmd.Parameters.Add(new() { Value = draft.Due });
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(RetroContext.Text(context.Actor));
        var number = (int)(await cmd.ExecuteScalarAsync(ct))!;
        await tx.CommitAsync(ct);
        return number;
    }

    public async Task NotNeededAsync(IncidentId incident, ActionKind kind, string? reason, CancellationToken ct)
    {
        var why = reason?.Trim() ?? "";
        if (why.Length < MinReason || why.Length > 2000)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"the reason {RetrospectiveNames.Of(kind)} is not needed is {why.Length} characters long; write at least {MinReason} (and at most 2,000) saying why no action of this kind is needed. Nothing was changed.");
        }

        await new Writers(context).RequireAsync(incident, ct);
        await using var tx = await context.BeginAsync(ct);
        await RetrospectiveBook.LockAsync(tx, incident, ct);
        await using var cmd = tx.Command("""
            INSERT INTO retro.kinds_not_needed (incident_id, kind, reason, decided_at, decided_by) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (incident_id, kind) DO NOTHING
            """);
        cmd.Parameters.Add(RetroContext.Text(incident.Value));
        cmd.Parameters.Add(RetroContext.Text(RetrospectiveNames.Of(kind)));
        cmd.Parameters.Add(RetroContext.Text(why));
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(RetroContext.Text(context.Actor));
        if (await cmd.ExecuteNonQueryAsync(ct) == 0)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"{RetrospectiveNames.Of(kind)} is marked not needed already in the retrospective of incident {incident}; the first reason stands. Nothing was changed.");
        }

        await tx.CommitAsync(ct);
    }
}
