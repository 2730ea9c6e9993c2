using Lifeboat.Communication.Internal;
using Lifeboat.Communication.Templates;
using Lifeboat.Communication.Updates;
using Lifeboat.Incidents;

namespace Lifeboat.Communication.Progress;

/// <summary>
/// Drafts the updates an incident's progress calls for, each once: a public update at each phase the incident reaches, a
/// public <c>[Restoring N%]</c> at every further 10% of sites restored (the newest replaces an older one still waiting for
/// review), and for each customer whose affected sites are all back a "your sites are back" update. Drafts wait for review,
/// unless the incident type's runbook says <c>publish-progress-updates: true</c>.
/// </summary>
internal sealed class ProgressDrafting(CommsContext context, CommunicationDesk desk)
{
    public const string Drafter = CommunicationDesk.ProductActor;

    public async Task<IReadOnlyList<IncidentUpdate>> RunAsync(IncidentId id, CancellationToken ct)
    {
        var incident = await desk.Incidents.GetAsync(id, ct);
        if (incident.Phase == IncidentPhase.Closed || incident.DuplicateOf is not null)
        {
            return [];
        }

        // One worker per incident at a time: the lock is held by this transaction while the drafts are written.
        await using var tx = await context.BeginAsync(ct);
        await using (var gate = tx.Command("SELECT pg_advisory_xact_lock(hashtextextended('comms.progress:' || $1, 0))"))
        {
            gate.Parameters.Add(new() { Value = id.Value });
            await gate.ExecuteNonQueryAsync(ct);
        }

        var marks = new HashSet<string>(StringComparer.Ordinal);
        await using (var read = tx.Command("SELECT mark FROM comms.progress_marks WHERE incident_id = $1"))
        {
            read.Parameters.Add(new() { Value = id.Value });
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                marks.Add(reader.GetString(0));
            }
        }

        var product = desk.WithActor(Drafter);
        var figures = await desk.FiguresAsync(id, ct);
        var drafted = new List<(string[] Marks, IncidentUpdate Update)>();

        var phase = PhaseOf(incident.Phase);
        if (!marks.Contains($"phase:{phase}".ToLowerInvariant()) && !(phase == UpdatePhase.Restoring && figures.SitesAffected == 0))
        {
            var update = await product.DraftByProductAsync(id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = phase }, ct);
            drafted.Add(([$"phase:{phase}".ToLowerInvariant()], update));
        }

        var bucket = figures.SharePercent / 10 * 10;
        if (figures.SitesAffected > 0 && bucket >= 10 && !marks.Contains($"share:{bucket}"))
        {
            var update = await product.DraftByProductAsync(id, new UpdateDraft { Audience = UpdateAudience.Public, Phase = UpdatePhase.Restoring }, ct);
            drafted.Add(([.. Enumerable.Range(1, bucket / 10).Select(b => $"share:{b * 10}").Where(m => !marks.Contains(m))], update));
            await WithdrawOlderShareDraftsAsync(product, id, update.Number, ct);
        }

        foreach (var customer in figures.Sites.Where(s => s.Account is not null).GroupBy(s => s.Account!))
        {
            var mark = $"customer-back:{customer.Key}";
            if (customer.All(s => s.Restored) && !marks.Contains(mark))
            {
                var update = await product.DraftByProductAsync(id, new UpdateDraft
                {
                    Audience = UpdateAudience.Customer, Account = customer.Key, Phase = UpdatePhase.Recovered, Template = UpdateTemplates.CustomerRestored,
                }, ct);
                drafted.Add(([mark], update));
            }
        }

        foreach (var (names, update) in drafted)
        {
            foreach (var name in names)
            {
                await using var insert = tx.Command("INSERT INTO comms.progress_marks (incident_id, mark, update_number, marked_at) VALUES ($1, $2, $3, $4)");
                insert.Parameters.Add(new() { Value = id.Value });
                insert.Parameters.Add(new() { Value = name });
                insert.Parameters.Add(new() { Value = update.Number });
                insert.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
                await insert.ExecuteNonQueryAsync(ct);
            }
        }

        await tx.CommitAsync(ct);

        var runbook = desk.Incidents.Runbooks?.ForType(incident.Type);
        if (runbook is { PublishProgressUpdates: true })
        {
            var published = new List<IncidentUpdate>();
            foreach (var (_, update) in drafted)
            {
                published.Add(await product.PublishByRunbookAsync(id, update.Number, runbook.Type, ct));
            }

            return published;
        }

        return [.. drafted.Select(d => d.Update)];
    }

    /// <summary>The incident's phase as the phase an update names: resolved (and closed) is recovered.</summary>
    public static UpdatePhase PhaseOf(IncidentPhase phase) => phase switch
    {
        IncidentPhase.Investigating => UpdatePhase.Investigating,
        IncidentPhase.Identified => UpdatePhase.Identified,
        IncidentPhase.Restoring => UpdatePhase.Restoring,
        IncidentPhase.Monitoring => UpdatePhase.Monitoring,
        _ => UpdatePhase.Recovered,
    };

    private static async Task WithdrawOlderShareDraftsAsync(CommunicationDesk product, IncidentId id, int newest, CancellationToken ct)
    {
        foreach (var older in (await product.UpdatesAsync(id, cancellationToken: ct)).Where(u =>
                     u.Number < newest && u.Origin == UpdateOrigin.Progress && u.Audience == UpdateAudience.Public && u.Phase == UpdatePhase.Restoring
                     && u.State is UpdateState.Draft or UpdateState.Approved))
        {
            await product.WithdrawUpdateAsync(id, older.Number, $"superseded by update {newest}, with newer figures", ct);
        }
    }
}
