using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Npgsql;

namespace Lifeboat.Incidents;

/// <summary>
/// Declares an incident for what the product saw, or joins the open one with the same cause (or, for a signal
/// that asks, the open one that has its sites): the alert, plan and sites are linked, and the timeline says
/// which signal came. One intake runs at a time across
/// processes (advisory lock 7402, held while it decides), so two signals of one cause never open two incidents.
/// </summary>
internal sealed class SignalIntake(IncidentContext context)
{
    public async Task<SignalOutcome> TakeAsync(ProductSignal signal, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (string.IsNullOrWhiteSpace(signal.Key) || signal.Causes.Count == 0 || signal.Causes.Any(string.IsNullOrWhiteSpace))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a product signal needs a key and at least one cause. Nothing was declared.");
        }

        await using var connection = await context.DataSource.OpenConnectionAsync(ct);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(7402)", connection))
        {
            await take.ExecuteNonQueryAsync(ct);
        }

        try
        {
            return await DecideAsync(signal, ct);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(7402)", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<SignalOutcome> DecideAsync(ProductSignal signal, CancellationToken ct)
    {
        await using (var seen = context.Command("SELECT incident_id FROM incidents.signals WHERE signal_key = $1"))
        {
            seen.Parameters.Add(new() { Value = signal.Key });
            if (await seen.ExecuteScalarAsync(ct) is string before)
            {
                return new SignalOutcome(await context.RequireAsync(IncidentId.Parse(before), ct), Declared: false, TakenBefore: true);
            }
        }

        IncidentId? open = null;
        await using (var find = context.Command("""
            SELECT c.incident_id FROM incidents.causes c JOIN incidents.incidents i ON i.incident_id = c.incident_id
            WHERE c.cause = ANY($1) AND i.phase <> 'closed' ORDER BY i.declared_at DESC LIMIT 1
            """))
        {
            find.Parameters.Add(new() { Value = signal.Causes.ToArray() });
            if (await find.ExecuteScalarAsync(ct) is string found)
            {
                open = IncidentId.Parse(found);
            }
        }

        if (open is null && signal.JoinsIncidentOfItsSites && signal.Sites.Count > 0)
        {
            // The incident already restoring the site (its declared sites, or tracked since) takes the news of it.
            await using var bySite = context.Command("""
                SELECT i.incident_id FROM incidents.incidents i
                WHERE i.phase <> 'closed'
                  AND (i.site_ids && $1::text[]
                       OR EXISTS (SELECT 1 FROM incidents.site_tracking t WHERE t.incident_id = i.incident_id AND t.site_id = ANY($1)))
                ORDER BY i.declared_at DESC LIMIT 1
                """);
            bySite.Parameters.Add(new() { Value = signal.Sites.Select(s => s.Value).Distinct(StringComparer.Ordinal).ToArray() });
            if (await bySite.ExecuteScalarAsync(ct) is string found)
            {
                open = IncidentId.Parse(found);
            }
        }

        var declared = open is null;
        var incident = open ?? (await new Declaration(context).DeclareAsync(new IncidentDeclaration
        {
            Title = signal.Title.Length > 200 ? signal.Title[..199] + "…" : signal.Title,
            Type = signal.Type,
            Severity = SeveritySuggestion.Suggest(signal.Impact).Severity,
            Alert = signal.Alert,
            Plan = signal.Plan,
            Sites = [.. signal.Sites.DistinctBy(s => s.Value).Take(Declaration.MaxSites)],
        }, ct)).Id;

        await using var tx = await context.BeginAsync(ct);
        await using (var cmd = tx.Command("INSERT INTO incidents.signals (incident_id, signal_key, seen_at, declared) VALUES ($1, $2, $3, $4)"))
        {
            cmd.Parameters.Add(new() { Value = incident.Value });
            cmd.Parameters.Add(new() { Value = signal.Key });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = declared });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await using (var cmd = tx.Command("INSERT INTO incidents.causes (incident_id, cause, added_at) SELECT $1, c, $3 FROM unnest($2::text[]) c ON CONFLICT DO NOTHING"))
        {
            cmd.Parameters.Add(new() { Value = incident.Value });
            cmd.Parameters.Add(new() { Value = signal.Causes.Distinct(StringComparer.Ordinal).ToArray() });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        if (!declared)
        {
            // The joined incident links what the new signal names, sites it lacked included (up to the limit).
            await using (var cmd = tx.Command($"""
                UPDATE incidents.incidents SET
                    alert_id = coalesce(alert_id, $2), plan_id = coalesce(plan_id, $3),
                    site_ids = (site_ids || ARRAY(SELECT DISTINCT s FROM unnest($4::text[]) s WHERE NOT s = ANY(site_ids)))[1:{Declaration.MaxSites}]
                WHERE incident_id = $1
                """))
            {
                cmd.Parameters.Add(new() { Value = incident.Value });
                cmd.Parameters.Add(IncidentContext.Text(signal.Alert?.Value));
                cmd.Parameters.Add(IncidentContext.Text(signal.Plan?.Value));
                cmd.Parameters.Add(new() { Value = signal.Sites.Select(s => s.Value).ToArray() });
                await cmd.ExecuteNonQueryAsync(ct);
            }
        }

        await context.RecordAsync(tx, incident, declared ? "signal-declared" : "signal-joined",
            $"{(declared ? "declared by" : "joined by")} {signal.Key}: {signal.Detail}", ct);
        await tx.CommitAsync(ct);
        return new SignalOutcome(await context.RequireAsync(incident, ct), declared, TakenBefore: false);
    }
}
