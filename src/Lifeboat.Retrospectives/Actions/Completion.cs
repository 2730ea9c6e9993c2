using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Retrospectives.Internal;

namespace Lifeboat.Retrospectives.Actions;

/// <summary>
/// Completes a retrospective when every one of the five kinds has an action that was not dropped, or an explicit
/// "not needed" with its reason; otherwise refuses naming the kinds still missing. Actions go on being tracked afterwards.
/// </summary>
internal sealed class Completion(RetroContext context)
{
    public async Task CompleteAsync(IncidentId incident, CancellationToken ct)
    {
        await new Writers(context).RequireAsync(incident, ct);
        await using var tx = await context.BeginAsync(ct);
        if (await RetrospectiveBook.LockAsync(tx, incident, ct) == RetrospectiveState.Completed)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"the retrospective of incident {incident} is completed already. Nothing was changed.");
        }

        await using (var read = tx.Command("""
            SELECT kind FROM retro.actions WHERE incident_id = $1 AND state <> 'dropped'
            UNION SELECT kind FROM retro.kinds_not_needed WHERE incident_id = $1
            """))
        {
            read.Parameters.Add(RetroContext.Text(incident.Value));
            var covered = new HashSet<string>(StringComparer.Ordinal);
            await using (var reader = await read.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    covered.Add(reader.GetString(0));
                }
            }

            var missing = Enum.GetValues<ActionKind>().Select(RetrospectiveNames.Of).Where(k => !covered.Contains(k)).ToList();
            if (missing.Count > 0)
            {
                throw new PlatformException(PlatformErrorKind.Conflict,
                    $"the retrospective of incident {incident} cannot be completed: {string.Join(", ", missing)} {(missing.Count == 1 ? "has" : "have")} neither an action nor a \"not needed\" with a reason. " +
                    "Add an action of each, or mark it not needed saying why (at least 10 characters). Nothing was changed.");
            }
        }

        await using var cmd = tx.Command("UPDATE retro.retrospectives SET state = 'completed', completed_at = $2, completed_by = $3 WHERE incident_id = $1");
        cmd.Parameters.Add(RetroContext.Text(incident.Value));
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(RetroContext.Text(context.Actor));
        await cmd.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }
}
