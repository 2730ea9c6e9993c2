using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;

namespace Lifeboat.Retrospectives.Internal;

/// <summary>
/// Who may write a retrospective: a participant of the incident (as the incident desk counts them: joined, held a role,
/// claimed a task; compared under any spelling, as the platform compares principals), or a principal whose roles grant
/// <c>incidents.command</c>. The hosts read it with <c>incidents.read</c>; writing needs this as well.
/// </summary>
internal sealed class Writers(RetroContext context)
{
    public async Task RequireAsync(IncidentId incident, CancellationToken ct)
    {
        if (context.Principal?.Permissions.Contains(Permissions.IncidentsCommand) == true)
        {
            return;
        }

        await using var cmd = context.Command("""
            SELECT 1 FROM incidents.participants WHERE incident_id = $1 AND lifeboat.principal_key(person) = lifeboat.principal_key($2)
            """);
        cmd.Parameters.Add(RetroContext.Text(incident.Value));
        cmd.Parameters.Add(RetroContext.Text(context.Actor));
        if (await cmd.ExecuteScalarAsync(ct) is null)
        {
            throw new PlatformException(PlatformErrorKind.Conflict,
                $"{context.Actor} is not a participant of incident {incident} and does not hold {Permissions.IncidentsCommand}, so cannot write its retrospective: " +
                $"join the incident first (lifeboat incident join {incident}), or ask its commander. Nothing was changed.");
        }
    }
}
