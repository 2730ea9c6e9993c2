using System.Text.RegularExpressions;
using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>Declares an incident: checks everything given, then writes the incident and its first timeline event in one transaction.</summary>
internal sealed partial class Declaration(IncidentContext context)
{
    public const int MaxSites = 10_000;

    public async Task<Incident> DeclareAsync(IncidentDeclaration declaration, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        var title = declaration.Title?.Trim();
        if (string.IsNullOrEmpty(title))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "the incident's title is empty: say in a few words what is wrong (\"sites deleted by a cleanup script\"). Nothing was declared.");
        }

        if (title.Length > 200)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the incident's title is {title.Length} characters long; keep it to 200 and put the rest in a timeline note. Nothing was declared.");
        }

        if (declaration.Type is null || !TypeSlug().IsMatch(declaration.Type))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"the incident type '{declaration.Type}' is not a short slug: use lower-case letters, digits and dashes, at most 40 (\"mass-deletion\"). Nothing was declared.");
        }

        if (!Enum.IsDefined(declaration.Severity))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"severity {(int)declaration.Severity} does not exist: give SEV1 (worst) to SEV4. Nothing was declared.");
        }

        if (!Enum.IsDefined(declaration.Visibility))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"visibility {(int)declaration.Visibility} does not exist: give public or restricted. Nothing was declared.");
        }

        var sites = declaration.Sites ?? [];
        if (sites.Count > MaxSites)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"{sites.Count} sites are linked; an incident links at most {MaxSites}. Nothing was declared.");
        }

        var twice = sites.GroupBy(s => s.Value, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (twice.Count > 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"site {twice[0]} is linked more than once: list each site once. Nothing was declared.");
        }

        await RequireLinksExistAsync(declaration, sites, ct);
        var runbook = RunbookFor(declaration.Type);

        var id = TypedId.New<IncidentId>(context.Time);
        var now = context.Time.GetUtcNow();
        await using var tx = await context.BeginAsync(ct);
        await using (var cmd = tx.Command("""
            INSERT INTO incidents.incidents (incident_id, title, type, severity, visibility, phase, alert_id, plan_id, site_ids, declared_at, declared_by, changed_at, changed_by)
            VALUES ($1, $2, $3, $4, $5, 'investigating', $6, $7, $8, $9, $10, $9, $10)
            """))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = title });
            cmd.Parameters.Add(new() { Value = declaration.Type });
            cmd.Parameters.Add(new() { Value = (short)declaration.Severity });
            cmd.Parameters.Add(new() { Value = IncidentNames.Of(declaration.Visibility) });
            cmd.Parameters.Add(IncidentContext.Text(declaration.Alert?.Value));
            cmd.Parameters.Add(IncidentContext.Text(declaration.Plan?.Value));
            cmd.Parameters.Add(new() { Value = sites.Select(s => s.Value).ToArray() });
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = context.Actor });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var links = new List<string>();
        if (declaration.Alert is { } alert)
        {
            links.Add($"alert {alert}");
        }

        if (declaration.Plan is { } plan)
        {
            links.Add($"plan {plan}");
        }

        if (sites.Count > 0)
        {
            links.Add(sites.Count == 1 ? $"site {sites[0]}" : $"{sites.Count} sites");
        }

        var linked = links.Count > 0 ? $"; linked to {string.Join(", ", links)}" : "";
        await context.RecordAsync(tx, id, "declared",
            $"declared {IncidentNames.Of(declaration.Severity)} {declaration.Type} ({IncidentNames.Of(declaration.Visibility)}): {title}{linked}", ct);
        if (runbook is not null)
        {
            await new ChecklistBook(context).PostAsync(tx, id, runbook, ct);
        }

        await tx.CommitAsync(ct);
        return await context.RequireAsync(id, ct);
    }

    /// <summary>The type's runbook as its file says now (checked again here, not only when loaded); a broken one refuses the declaration.</summary>
    private Runbook? RunbookFor(string type)
    {
        try
        {
            return context.Runbooks?.ForType(type);
        }
        catch (PlatformException e)
        {
            throw new PlatformException(e.Kind, $"{e.Message} Fix the {type} runbook (or move it out of {context.Runbooks!.Folder}) and declare again. Nothing was declared.");
        }
    }

    /// <summary>A link must name something this environment has: an alert, a plan or a site made up is refused.</summary>
    private async Task RequireLinksExistAsync(IncidentDeclaration declaration, IReadOnlyList<SiteId> sites, CancellationToken ct)
    {
        if (declaration.Alert is { } alert && !await ExistsAsync("SELECT EXISTS (SELECT 1 FROM platform.alerts WHERE alert_id = $1)", alert.Value, ct))
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"alert {alert} does not exist in this environment: link an alert the detector raised, or none. Nothing was declared.");
        }

        if (declaration.Plan is { } plan && !await ExistsAsync("SELECT EXISTS (SELECT 1 FROM platform.plans WHERE plan_id = $1)", plan.Value, ct))
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"change plan {plan} does not exist in this environment: link a submitted plan, or none. Nothing was declared.");
        }

        if (sites.Count == 0)
        {
            return;
        }

        await using var cmd = context.Command("""
            SELECT s FROM unnest($1::text[]) WITH ORDINALITY AS given(s, n)
            WHERE NOT EXISTS (SELECT 1 FROM platform.site_directory d WHERE d.site_id = given.s)
            ORDER BY n LIMIT 1
            """);
        cmd.Parameters.Add(new() { Value = sites.Select(s => s.Value).ToArray() });
        if (await cmd.ExecuteScalarAsync(ct) is string unknown)
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"site {unknown} does not exist in this environment: link only sites it has. Nothing was declared.");
        }
    }

    private async Task<bool> ExistsAsync(string sql, string id, CancellationToken ct)
    {
        await using var cmd = context.Command(sql);
        cmd.Parameters.Add(new() { Value = id });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex TypeSlug();
}
