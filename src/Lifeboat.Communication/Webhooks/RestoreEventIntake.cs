using Lifeboat.Communication.Internal;
using Lifeboat.Platform;
using Lifeboat.Platform.Events;

namespace Lifeboat.Communication.Webhooks;

/// <summary>
/// The platform outbox's consumer <c>comms-webhooks</c>: per-site restore events from the restore jobs'.
/// <list type="bullet">
/// <item>a job's <c>restore.started</c> → one <c>restore.started</c> per site of the job (with its region);</item>
/// <item><c>site.restored</c> → <c>restore.completed</c>, and <c>restore.verified</c> when the site's validation passed;</item>
/// <item><c>restore.progress</c> per job each time the share of its sites restored reaches a further tenth: the sites are
/// counted from the outbox's own <c>site.restored</c> events (<c>comms.restore_progress_sites</c>, a site once), so the same
/// announcements come however late the events are read; a jump over several tenths (a small job) is one event, at the
/// highest tenth reached. A failed site does not count.</item>
/// </list>
/// </summary>
internal sealed class RestoreEventIntake(CommunicationDesk desk)
{
    public const string Consumer = "comms-webhooks";

    private static readonly string[] Started = ["restore.started"];
    private static readonly string[] Restored = ["restore.completed", "restore.verified", "restore.progress"];

    public Task<int> RunAsync(int max, CancellationToken ct) => desk.Platform.Events.ConsumeAsync(Consumer, events => WriteAsync(events, ct), max, ct);

    private async Task WriteAsync(IReadOnlyList<LifecycleEvent> events, CancellationToken ct)
    {
        var now = desk.Context.Time.GetUtcNow();
        await using var tx = await desk.Context.BeginAsync(ct);
        var written = new List<WebhookEvent>();
        foreach (var e in events)
        {
            if (e.Subject is null || !TypedId.TryParse<RestoreJobId>(e.Subject, out var job, out _))
            {
                continue;
            }

            if (e.Type == "restore.started")
            {
                var sites = await desk.Platform.Restores.SitesOfJobAsync(job, cancellationToken: ct);
                await TrackAsync(tx, job, sites.Count, ct);
                if (await WebhookEventWriter.AnyWantsAsync(tx, Started, e.At, ct))
                {
                    written.AddRange(sites.Select(s => new WebhookEvent($"restore.started/{job.Value}/{s.Site.Value}", "restore.started", null, s.Site.Value, job.Value, e.At,
                        new { job = job.Value, site = s.Site.Value, region = s.Region, name = s.Name })));
                }
            }
            else if (e.Type == "site.restored" && e.Site is { } site)
            {
                written.AddRange(await RestoredAsync(tx, job, site, e, ct));
            }
        }

        await WebhookEventWriter.WriteAsync(tx, written, now, ct);
        await tx.CommitAsync(ct);
    }

    private async Task<List<WebhookEvent>> RestoredAsync(CommsTransaction tx, RestoreJobId job, SiteId site, LifecycleEvent e, CancellationToken ct)
    {
        var written = new List<WebhookEvent>();
        var progress = await CountAsync(tx, job, site, e.At, ct);
        if (!await WebhookEventWriter.AnyWantsAsync(tx, Restored, e.At, ct))
        {
            return written;
        }

        var statuses = await desk.Platform.Restores.SitesOfJobAsync(job, [site], ct);
        var status = statuses.Count > 0 ? statuses[0] : null;
        var data = new { job = job.Value, site = site.Value, region = status?.Region, name = status?.Name, validated = status?.ValidationPassed };
        written.Add(new WebhookEvent($"restore.completed/{job.Value}/{site.Value}", "restore.completed", null, site.Value, job.Value, e.At, data));
        if (status?.ValidationPassed == true)
        {
            written.Add(new WebhookEvent($"restore.verified/{job.Value}/{site.Value}", "restore.verified", null, site.Value, job.Value, e.At, data));
        }

        if (progress is { } p)
        {
            written.Add(new WebhookEvent($"restore.progress/{job.Value}/{p.Tenth * 10}", "restore.progress", null, null, job.Value, e.At,
                new { job = job.Value, percent = p.Tenth * 10, restored = p.Restored, sites = p.Sites }));
        }

        return written;
    }

    /// <summary>Remembers a job's number of sites (its first event says it; a job first seen by a site's event is asked).</summary>
    private static async Task TrackAsync(CommsTransaction tx, RestoreJobId job, int sites, CancellationToken ct)
    {
        await using var cmd = tx.Command("INSERT INTO comms.restore_progress (job_id, sites) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING");
        cmd.Parameters.Add(new() { Value = job.Value });
        cmd.Parameters.Add(new() { Value = Math.Max(1, sites) });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Counts the site as restored in its job; returns the tenth newly reached, if this site reached one.</summary>
    private async Task<(int Tenth, int Restored, int Sites)?> CountAsync(CommsTransaction tx, RestoreJobId job, SiteId site, DateTimeOffset at, CancellationToken ct)
    {
        await using (var known = tx.Command("SELECT 1 FROM comms.restore_progress WHERE job_id = $1"))
        {
            known.Parameters.Add(new() { Value = job.Value });
            if (await known.ExecuteScalarAsync(ct) is null)
            {
                await TrackAsync(tx, job, (await desk.Platform.Restores.SitesOfJobAsync(job, cancellationToken: ct)).Count, ct);
            }
        }

        await using var cmd = tx.Command("""
            WITH added AS (
                INSERT INTO comms.restore_progress_sites (job_id, site_id, restored_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1),
            counted AS (
                SELECT p.sites, (SELECT count(*) FROM comms.restore_progress_sites s WHERE s.job_id = $1) + (SELECT count(*) FROM added) AS restored, p.last_tenth
                FROM comms.restore_progress p WHERE p.job_id = $1)
            UPDATE comms.restore_progress p SET last_tenth = least(10, c.restored * 10 / c.sites)
            FROM counted c WHERE p.job_id = $1 AND least(10, c.restored * 10 / c.sites) > c.last_tenth
            RETURNING p.last_tenth, c.restored, c.sites
            """);
        cmd.Parameters.Add(new() { Value = job.Value });
        cmd.Parameters.Add(new() { Value = site.Value });
        cmd.Parameters.Add(new() { Value = at });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt32(0), (int)reader.GetInt64(1), reader.GetInt32(2)) : null;
    }
}
