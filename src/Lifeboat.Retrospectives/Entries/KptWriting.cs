using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Retrospectives.Internal;

namespace Lifeboat.Retrospectives.Entries;

/// <summary>
/// KPT entries by the incident's participants: an entry is written once, with its kind and author; changing its text appends a
/// revision, so what was first said is still there to read.
/// </summary>
internal sealed class KptWriting(RetroContext context)
{
    public const int MaxText = 2000;

    public async Task<int> AddAsync(IncidentId incident, EntryKind kind, string? text, CancellationToken ct)
    {
        var written = RequireText(text);
        await new Writers(context).RequireAsync(incident, ct);
        await using var tx = await context.BeginAsync(ct);
        await RetrospectiveBook.LockAsync(tx, incident, ct);
        var now = context.Time.GetUtcNow();
        await using var cmd = tx.Command("""
            WITH entry AS (
                INSERT INTO retro.entries (incident_id, entry_number, kind, author, written_at)
                SELECT $1, coalesce(max(entry_number), 0) + 1, $2, $3, $4 FROM retro.entries WHERE incident_id = $1
                RETURNING entry_number)
            INSERT INTO retro.entry_revisions (incident_id, entry_number, revision, text, written_at, written_by)
            SELECT $1, entry_number, 1, $5, $4, $3 FROM entry
            RETURNING entry_number
            """);
        cmd.Parameters.Add(RetroContext.Text(incident.Value));
        cmd.Parameters.Add(RetroContext.Text(RetrospectiveNames.Of(kind)));
        cmd.Parameters.Add(RetroContext.Text(context.Actor));
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(RetroContext.Text(written));
        var number = (int)(await cmd.ExecuteScalarAsync(ct))!;
        await tx.CommitAsync(ct);
        return number;
    }

    public async Task ReviseAsync(IncidentId incident, int entry, string? text, CancellationToken ct)
    {
        var written = RequireText(text);
        await new Writers(context).RequireAsync(incident, ct);
        await using var tx = await context.BeginAsync(ct);
        await RetrospectiveBook.LockAsync(tx, incident, ct);
        await using var cmd = tx.Command("""
            INSERT INTO retro.entry_revisions (incident_id, entry_number, revision, text, written_at, written_by)
            SELECT $1, $2, max(revision) + 1, $3, $4, $5 FROM retro.entry_revisions WHERE incident_id = $1 AND entry_number = $2
            HAVING count(*) > 0
            """);
        cmd.Parameters.Add(RetroContext.Text(incident.Value));
        cmd.Parameters.Add(new() { Value = entry });
        cmd.Parameters.Add(RetroContext.Text(written));
        cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
        cmd.Parameters.Add(RetroContext.Text(context.Actor));
        if (await cmd.ExecuteNonQueryAsync(ct) == 0)
        {
            throw new PlatformException(PlatformErrorKind.NotFound, $"the retrospective of incident {incident} has no KPT entry {entry}: list the retrospective for the numbers. Nothing was changed.");
        }

        await tx.CommitAsync(ct);
    }

    private static string RequireText(string? text)
    {
        var written = text?.Trim();
        return string.IsNullOrEmpty(written)
            ? throw new PlatformException(PlatformErrorKind.Invalid, "the KPT entry is empty: write what to keep, what the problem was, or what to try. Nothing was changed.")
            : written.Length > MaxText
                ? throw new PlatformException(PlatformErrorKind.Invalid, $"the KPT entry is {written.Length} characters long; an entry is at most 2,000: split it into several. Nothing was changed.")
                : written;
    }
}
