using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;
using Lifeboat.Platform.Restores;
using Npgsql;

namespace Lifeboat.Incidents;

/// <summary>
/// Opens one stream per region (<c>restore-&lt;region&gt;</c>) or per batch of N sites (<c>restore-batch-&lt;k&gt;</c>) of
/// a restore job's sites that the incident has (declared, or tracked since), each linked to the job and its sites so
/// its progress is read from the job. All of them or none, in one transaction under the incident's row lock, so a
/// job gets its streams once however many callers (people, evidence passes on several servers) ask at the same time.
/// </summary>
internal sealed class RestoreStreamStart(IncidentContext context, LifeboatPlatform platform)
{
    public const int MaxBatchSize = 10_000;

    /// <summary>Opens the job's streams; refuses a job whose streams are open already.</summary>
    public async Task<IReadOnlyList<IncidentStream>> OpenAsync(IncidentId id, RestoreStreamsOpening opening, CancellationToken ct) =>
        await OpenAsync(id, opening, automatic: false, ct) ?? [];

    /// <summary>
    /// What the evidence pass does when it first sees <paramref name="job"/> restoring the incident's sites: opens its
    /// per-region streams led by the commander; with no commander, says so on the timeline once and opens them at a later
    /// pass, once one is named. A job with streams already is left alone.
    /// </summary>
    public async Task OpenAutomaticallyAsync(Incident incident, RestoreJobId job, CancellationToken ct)
    {
        if (incident.Phase == IncidentPhase.Closed || await HasStreamsAsync(incident.Id, job, ct))
        {
            return;
        }

        var commander = (await new RoleBook(context).CurrentAsync(incident.Id, ct))
            .FirstOrDefault(h => h.Role == IncidentRole.Commander && h.Slot == RoleSlot.Holder);
        if (commander is not null)
        {
            await OpenAsync(incident.Id, new RestoreStreamsOpening { Job = job, Lead = commander.Person, By = RestoreStreamGrouping.Region }, automatic: true, ct);
            return;
        }

        await using var tx = await context.BeginAsync(ct);
        await using (var wait = tx.Command("INSERT INTO incidents.restore_stream_waits (incident_id, job_id, noted_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"))
        {
            wait.Parameters.Add(new() { Value = incident.Id.Value });
            wait.Parameters.Add(new() { Value = job.Value });
            wait.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            if (await wait.ExecuteNonQueryAsync(ct) == 0)
            {
                return;
            }
        }

        await context.RecordAsync(tx, incident.Id, "restore-streams",
            $"restore job {job} restores sites of this incident, but no commander is named to lead its streams: they open (one per region) once a commander is, " +
            $"or open them now with POST /api/incidents/{incident.Id}/streams/from-restore {{\"job\": \"{job}\", \"lead\": \"…\"}}", ct);
        await tx.CommitAsync(ct);
    }

    private async Task<IReadOnlyList<IncidentStream>?> OpenAsync(IncidentId id, RestoreStreamsOpening opening, bool automatic, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(opening);
        if (!Enum.IsDefined(opening.By))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"streams by {(int)opening.By} is not a way to split a restore job: give region or batch. Nothing was opened.");
        }

        if (opening.By == RestoreStreamGrouping.Batch && opening.BatchSize is not (>= 1 and <= MaxBatchSize))
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"a batch size of {opening.BatchSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} is not 1 to {MaxBatchSize:N0} sites: give how many sites each stream takes (\"batchSize\": 50). Nothing was opened.");
        }

        if (opening.By == RestoreStreamGrouping.Region && opening.BatchSize is not null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                "a batch size goes with streams by batch, not by region: leave it out, or ask for streams by batch. Nothing was opened.");
        }

        var lead = IncidentContext.RequirePerson(opening.Lead, $"the lead of restore job {opening.Job}'s streams");
        RestoreJob job;
        try
        {
            job = await platform.Restores.GetAsync(opening.Job, ct);
        }
        catch (PlatformException e) when (e.Kind == PlatformErrorKind.NotFound)
        {
            throw new PlatformException(PlatformErrorKind.NotFound,
                $"restore job {opening.Job} does not exist in this environment: check the ID (lifeboat restore list). Nothing was opened.");
        }

        var incident = await context.RequireAsync(id, ct);
        var tracked = await new SiteTrackingBook(context).RowsAsync(id, ct);
        var incidentSites = incident.Sites.Concat(tracked.Select(r => r.Site)).Distinct().ToList();
        var shared = incidentSites.Count == 0 ? [] : await platform.Restores.SitesOfJobAsync(job.Id, incidentSites, ct);
        if (shared.Count == 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"restore job {job.Id} restores none of incident {id}'s {incidentSites.Count} site(s): name a job of its sites, or add the job's sites to the incident first (POST /api/incidents/{id}/sites). Nothing was opened.");
        }

        var groups = Group(shared, opening, job.Id);
        await using var tx = await context.BeginAsync(ct);
        // The row lock orders every opening for the incident: the second to come sees the first's streams.
        var locked = await IncidentContext.RequireAsync(tx, id, "FOR NO KEY UPDATE", ct);
        IncidentContext.RequireOpen(locked, "open the streams on the survivor");
        var taken = await StreamsAsync(tx, id, ct);
        var ofJob = taken.Where(t => t.Job == job.Id.Value).Select(t => t.Slug).ToList();
        if (ofJob.Count > 0)
        {
            return automatic
                ? null
                : throw new PlatformException(PlatformErrorKind.Conflict,
                    $"incident {id} has streams for restore job {job.Id} already ({string.Join(", ", ofJob)}): list them (GET /api/incidents/{id}/streams); open another by hand if the work needs one. Nothing was opened.");
        }

        var leader = await ParticipantBook.RequireAsync(tx, id, lead, $"the lead of restore job {job.Id}'s streams", ct);
        var slugs = taken.Select(t => t.Slug).ToHashSet(StringComparer.Ordinal);
        var opened = new List<string>();
        foreach (var (slug, goal, sites) in groups)
        {
            var free = FreeSlug(slug, slugs);
            slugs.Add(free);
            await using (var cmd = tx.Command("""
                INSERT INTO incidents.streams (incident_id, stream, lead, goal, opened_at, opened_by, restore_job_id, site_ids)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """))
            {
                cmd.Parameters.Add(new() { Value = id.Value });
                cmd.Parameters.Add(new() { Value = free });
                cmd.Parameters.Add(new() { Value = leader.Person });
                cmd.Parameters.Add(new() { Value = goal });
                cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
                cmd.Parameters.Add(new() { Value = context.Actor });
                cmd.Parameters.Add(new() { Value = job.Id.Value });
                cmd.Parameters.Add(new() { Value = sites.Select(s => s.Value).ToArray() });
                await cmd.ExecuteNonQueryAsync(ct);
            }

            await context.RecordAsync(tx, id, "stream", $"stream {free} opened from restore job {job.Id}, led by {leader.Person}: {goal}", ct);
            opened.Add(free);
        }

        await tx.CommitAsync(ct);
        var listed = await new StreamListing(context, platform).ListAsync(id, ct);
        return [.. listed.Where(s => opened.Contains(s.Slug, StringComparer.Ordinal))];
    }

    /// <summary>The streams' slugs, goals and sites: per region (in region order) or per batch of the sites in ID order.</summary>
    private static List<(string Slug, string Goal, IReadOnlyList<SiteId> Sites)> Group(IReadOnlyList<SiteRestoreStatus> sites, RestoreStreamsOpening opening, RestoreJobId job)
    {
        if (opening.By == RestoreStreamGrouping.Region)
        {
            return [.. sites.GroupBy(s => s.Region ?? "unknown").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
            {
                var count = g.Count();
                return ($"restore-{SlugOf(g.Key)}", $"restore and validate the {count} site(s) of restore job {job} in {g.Key}", (IReadOnlyList<SiteId>)[.. g.Select(s => s.Site)]);
            })];
        }

        var chunks = sites.OrderBy(s => s.Site.Value, StringComparer.Ordinal).Chunk(opening.BatchSize!.Value).ToList();
        return [.. chunks.Select((chunk, k) => ($"restore-batch-{k + 1}",
            $"restore and validate the {chunk.Length} site(s) of batch {k + 1} of {chunks.Count} of restore job {job}",
            (IReadOnlyList<SiteId>)[.. chunk.Select(s => s.Site)]))];
    }

    /// <summary>A region as a slug's part: lower case, anything but letters and digits a dash.</summary>
    private static string SlugOf(string region)
    {
        var chars = region.ToLowerInvariant().Select(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '-').ToArray();
        var slug = new string(chars).Trim('-');
        return slug.Length == 0 ? "region" : slug;
    }

    /// <summary>The slug, or when another stream has it (an earlier job's), the first of slug-2, slug-3… that is free; at most 40 characters.</summary>
    private static string FreeSlug(string slug, HashSet<string> taken)
    {
        var fitting = slug.Length > 40 ? slug[..40].TrimEnd('-') : slug;
        for (var n = 2; taken.Contains(fitting); n++)
        {
            var suffix = $"-{n}";
            fitting = (slug.Length + suffix.Length > 40 ? slug[..(40 - suffix.Length)].TrimEnd('-') : slug) + suffix;
        }

        return fitting;
    }

    private async Task<bool> HasStreamsAsync(IncidentId id, RestoreJobId job, CancellationToken ct)
    {
        await using var cmd = context.Command("SELECT EXISTS (SELECT 1 FROM incidents.streams WHERE incident_id = $1 AND restore_job_id = $2)");
        cmd.Parameters.Add(new() { Value = id.Value });
        cmd.Parameters.Add(new() { Value = job.Value });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task<List<(string Slug, string? Job)>> StreamsAsync(IncidentTransaction tx, IncidentId id, CancellationToken ct)
    {
        await using var cmd = tx.Command("SELECT stream, restore_job_id FROM incidents.streams WHERE incident_id = $1");
        cmd.Parameters.Add(new() { Value = id.Value });
        var list = new List<(string, string?)>();
        await using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }

        return list;
    }
}
