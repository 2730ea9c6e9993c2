using Lifeboat.Platform;

namespace Lifeboat.Incidents.Internal;

/// <summary>The rows people keep per affected site (incidents.site_tracking), and the check that a site is one of the incident's.</summary>
internal sealed class SiteTrackingBook(IncidentContext context)
{
    /// <summary>What was added about one site; a site of the incident with no row yet has none of it.</summary>
    public sealed record Row(
        SiteId Site, string? Engineer, string? Confirmation, string? ConfirmedBy, DateTimeOffset? ConfirmedAt, string? ConfirmationNote,
        string? LastNote, DateTimeOffset UpdatedAt, string UpdatedBy);

    public async Task<IReadOnlyList<Row>> RowsAsync(IncidentId incident, CancellationToken ct)
    {
        await using var cmd = context.Command("""
            SELECT site_id, engineer, confirmation, confirmed_by, confirmed_at, confirmation_note, last_note, updated_at, updated_by
            FROM incidents.site_tracking WHERE incident_id = $1 ORDER BY site_id
            """);
        cmd.Parameters.Add(new() { Value = incident.Value });
        var rows = new List<Row>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new Row(SiteId.FromValidated(reader.GetString(0)), Text(reader, 1), Text(reader, 2), Text(reader, 3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), Text(reader, 5), Text(reader, 6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8)));
        }

        return rows;

        static string? Text(Npgsql.NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    }

    /// <summary>
    /// Refuses a site that is neither among the incident's declared sites nor added since, naming how to add it;
    /// otherwise makes sure it has a row, for the caller's change to update.
    /// </summary>
    public async Task RequireTrackedAsync(IncidentTransaction tx, Incident incident, SiteId site, CancellationToken ct)
    {
        if (!incident.Sites.Contains(site))
        {
            await using var cmd = tx.Command("SELECT 1 FROM incidents.site_tracking WHERE incident_id = $1 AND site_id = $2");
            cmd.Parameters.Add(new() { Value = incident.Id.Value });
            cmd.Parameters.Add(new() { Value = site.Value });
            if (await cmd.ExecuteScalarAsync(ct) is null)
            {
                throw new PlatformException(PlatformErrorKind.NotFound,
                    $"site {site} is not tracked for incident {incident.Id}: add it first (POST /api/incidents/{incident.Id}/sites {{\"sites\": [\"{site}\"]}}), then try again. Nothing was changed.");
            }
        }

        await EnsureAsync(tx, incident.Id, site, ct);
    }

    /// <summary>Adds the site's row if it has none; returns whether it did.</summary>
    public async Task<bool> EnsureAsync(IncidentTransaction tx, IncidentId incident, SiteId site, CancellationToken ct)
    {
        await using var cmd = tx.Command("""
            INSERT INTO incidents.site_tracking (incident_id, site_id, added_at, added_by, updated_at, updated_by)
            VALUES ($1, $2, $3, $4, $3, $4) ON CONFLICT (incident_id, site_id) DO NOTHING
            """);
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = site.Value });
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = context.Actor });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Runs <paramref name="sql"/> (an UPDATE of the site's row: $1 incident, $2 site, $3 now, $4 actor, then <paramref name="values"/>).</summary>
    public async Task UpdateAsync(IncidentTransaction tx, IncidentId incident, SiteId site, string sql, CancellationToken ct, params object?[] values)
    {
        await using var cmd = tx.Command(sql);
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = site.Value });
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = context.Actor });
        foreach (var value in values)
        {
            cmd.Parameters.Add(value is string or null ? IncidentContext.Text((string?)value) : new() { Value = value });
        }

        await cmd.ExecuteNonQueryAsync(ct);
    }
}
