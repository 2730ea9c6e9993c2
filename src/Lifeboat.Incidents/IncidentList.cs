using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Incidents;

/// <summary>Lists incidents newest first, each with its commander, in one query.</summary>
internal sealed class IncidentList(IncidentContext context)
{
    public async Task<IReadOnlyList<ListedIncident>> ListAsync(IncidentQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > IncidentQuery.MaxLimit)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"incidents are listed {query.Limit} at a time; give a limit from 1 to {IncidentQuery.MaxLimit}.");
        }

        if (query.Phase is { } phase && !Enum.IsDefined(phase))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"phase {(int)phase} does not exist: give one of {string.Join(", ", Enum.GetValues<IncidentPhase>().Select(IncidentNames.Of))}.");
        }

        if (query.Severity is { } severity && !Enum.IsDefined(severity))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"severity {(int)severity} does not exist: give SEV1 (worst) to SEV4.");
        }

        // The commander is the current holder of the commander role (one at most, the database keeps it so).
        var columns = string.Join(", ", IncidentContext.IncidentColumns.Split(", ").Select(c => "i." + c));
        await using var cmd = context.Command($"""
            SELECT {columns}, c.person FROM incidents.incidents i
            LEFT JOIN incidents.role_holdings c
                ON c.incident_id = i.incident_id AND c.role = 'commander' AND c.slot = 'holder' AND c.held_until IS NULL
            WHERE ($1::text IS NULL OR i.phase = $1)
              AND ($1::text IS NOT NULL OR $2 = false OR i.phase <> 'closed')
              AND ($3::smallint IS NULL OR i.severity = $3)
            ORDER BY i.declared_at DESC, i.incident_id DESC
            LIMIT $4
            """);
        cmd.Parameters.Add(IncidentContext.Text(query.Phase is { } p ? IncidentNames.Of(p) : null));
        cmd.Parameters.Add(new() { Value = query.OpenOnly });
        cmd.Parameters.Add(new NpgsqlParameter { Value = query.Severity is { } s ? (short)s : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Smallint });
        cmd.Parameters.Add(new() { Value = query.Limit });
        var list = new List<ListedIncident>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new ListedIncident(IncidentContext.ReadIncident(reader), reader.IsDBNull(14) ? null : reader.GetString(14)));
        }

        return list;
    }
}
