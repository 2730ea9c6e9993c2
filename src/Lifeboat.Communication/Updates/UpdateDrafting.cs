using System.Text.RegularExpressions;
using Lifeboat.Communication.Customers;
using Lifeboat.Communication.Events;
using Lifeboat.Communication.Figures;
using Lifeboat.Communication.Internal;
using Lifeboat.Incidents;
using Lifeboat.Platform;

namespace Lifeboat.Communication.Updates;

/// <summary>
/// Drafts an update: checks what the person gave, computes the figures now, renders the template bound to them, and keeps
/// the draft (and the figures) for review. A correction is a draft that names the published update it corrects.
/// </summary>
internal sealed partial class UpdateDrafting(CommsContext context, CommunicationOptions options, IncidentDesk incidents, FigureReading figures,
    ICustomerDirectory customers, CommsOutbox outbox)
{
    public async Task<IncidentUpdate> DraftAsync(IncidentId incidentId, UpdateDraft draft, UpdateOrigin origin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var phase = draft.Phase ?? throw new PlatformException(PlatformErrorKind.Invalid,
            "the update has no phase: every update opens with one. Give investigating, identified, restoring, monitoring or recovered; Lifeboat writes the label ([Restoring 41%]) from it and the live figures. Nothing was drafted.");
        var message = (draft.Message ?? "").Trim();
        if (message.Length > 4000)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the message is {message.Length} characters long; at most 4,000. Nothing was drafted.");
        }

        if (LabelFirst().Match(message) is { Success: true } typed)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"the message opens with '{typed.Value}': Lifeboat writes the phase label itself, from the phase you give and the live figures, so a typed one cannot disagree with them. Leave it out. Nothing was drafted.");
        }

        var incident = await incidents.GetAsync(incidentId, ct);
        if (incident.Phase == IncidentPhase.Closed)
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"incident {incident.Id} is closed: updates go out while it is open. Nothing was drafted.");
        }

        if (draft.Audience == UpdateAudience.Customer && string.IsNullOrWhiteSpace(draft.Account))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "a customer update needs the customer's account (acct_…). Nothing was drafted.");
        }

        if (draft.Audience != UpdateAudience.Customer && draft.Account is not null)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"only a customer update names an account; a {draft.Audience.ToString().ToLowerInvariant()} update is for everyone it reaches. Leave the account out, or make it a customer update. Nothing was drafted.");
        }

        if (draft.Stream is { } stream && !(await incidents.StreamsAsync(incident.Id, ct)).Any(s => string.Equals(s.Slug, stream, StringComparison.Ordinal)))
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"incident {incident.Id} has no stream '{stream}': list its streams, or leave the stream out for the whole incident. Nothing was drafted.");
        }

        var language = draft.Language ?? options.DefaultLanguage;
        var template = draft.Template ?? draft.Audience switch
        {
            UpdateAudience.Public => Templates.UpdateTemplates.Public,
            UpdateAudience.Customer => Templates.UpdateTemplates.Customer,
            _ => Templates.UpdateTemplates.Internal,
        };
        options.Templates.Get(language, template);

        var customer = draft.Audience == UpdateAudience.Customer ? await customers.ScopeAsync(draft.Account!.Trim(), incident.Sites, ct) : null;
        if (customer is { Sites.Count: 0 })
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"no site of account {customer.Account} ({customer.Name}) is affected by incident {incident.Id}: a customer update is for a customer the incident affects. Nothing was drafted.");
        }

        var figuresNow = await figures.ReadAsync(incident.Id, null, ct);
        await using var tx = await context.BeginAsync(ct);
        await using (var gate = tx.Command("SELECT pg_advisory_xact_lock(hashtextextended('comms.updates:' || $1, 0))"))
        {
            gate.Parameters.Add(new() { Value = incident.Id.Value });
            await gate.ExecuteNonQueryAsync(ct);
        }

        if (draft.Corrects is { } corrected)
        {
            await RequireCorrectableAsync(tx, incident.Id, corrected, draft.Audience, customer?.Account, ct);
        }

        var composed = UpdateComposer.Compose(options, incident, phase, language, template, message, figuresNow, customer, draft.Corrects);
        await using var insert = tx.Command($"""
            INSERT INTO comms.updates (incident_id, update_number, stream, audience, account_id, phase, label, language, template, message, subject, body, figures,
                                       corrects, state, origin, drafted_at, drafted_by)
            SELECT $1, coalesce(max(update_number), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'draft', $14, $15, $16
            FROM comms.updates WHERE incident_id = $1
            RETURNING {UpdateBook.Columns}
            """);
        insert.Parameters.Add(new() { Value = incident.Id.Value });
        insert.Parameters.Add(CommsContext.Text(draft.Stream));
        insert.Parameters.Add(new() { Value = draft.Audience.ToString().ToLowerInvariant() });
        insert.Parameters.Add(CommsContext.Text(customer?.Account));
        insert.Parameters.Add(new() { Value = phase.ToString().ToLowerInvariant() });
        insert.Parameters.Add(new() { Value = composed.Label });
        insert.Parameters.Add(new() { Value = language });
        insert.Parameters.Add(new() { Value = template });
        insert.Parameters.Add(new() { Value = message });
        insert.Parameters.Add(new() { Value = composed.Subject });
        insert.Parameters.Add(new() { Value = composed.Body });
        insert.Parameters.Add(CommsContext.Json(composed.FiguresJson));
        insert.Parameters.Add(CommsContext.Int(draft.Corrects));
        insert.Parameters.Add(new() { Value = origin.ToString().ToLowerInvariant() });
        insert.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        insert.Parameters.Add(new() { Value = context.Actor });
        IncidentUpdate update;
        await using (var reader = await insert.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            update = UpdateBook.Read(reader);
        }

        await outbox.AppendAsync(tx, "update.drafted", incident.Id.Value, update.Account, null, UpdateEvents.Payload(update), ct);
        await tx.CommitAsync(ct);
        return update;
    }

    private static async Task RequireCorrectableAsync(CommsTransaction tx, IncidentId incident, int number, UpdateAudience audience, string? account, CancellationToken ct)
    {
        await using var cmd = tx.Command("SELECT state, audience, account_id FROM comms.updates WHERE incident_id = $1 AND update_number = $2");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = number });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"incident {incident} has no update {number} to correct: list its updates to find the number. Nothing was drafted.");
        }

        if (reader.GetString(0) != "published")
        {
            throw new PlatformException(PlatformErrorKind.Conflict, $"update {number} of incident {incident} is a {reader.GetString(0)}, not published: only what went out is corrected; withdraw the draft and draft it again. Nothing was drafted.");
        }

        if (!string.Equals(reader.GetString(1), audience.ToString(), StringComparison.OrdinalIgnoreCase) || (reader.IsDBNull(2) ? null : reader.GetString(2)) != account)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"update {number} of incident {incident} went to a different audience ({reader.GetString(1)}{(reader.IsDBNull(2) ? "" : " " + reader.GetString(2))}): a correction goes to the people who read the update it corrects. Nothing was drafted.");
        }
    }

    [GeneratedRegex(@"^\[[^\]]{1,40}\]")]
    private static partial Regex LabelFirst();
}
