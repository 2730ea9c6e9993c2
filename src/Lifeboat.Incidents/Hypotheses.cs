using Lifeboat.Incidents.Internal;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>A hypothesis about the cause: open until someone rules it out, saying why.</summary>
public sealed record Hypothesis(IncidentId Incident, long Id, string Text, DateTimeOffset RaisedAt, string RaisedBy, DateTimeOffset? RuledOutAt, string? RuledOutBy, string? RuledOutWhy)
{
    public bool Open => RuledOutAt is null;
}

/// <summary>Raises and rules out hypotheses, each on the timeline; none is ever removed.</summary>
internal sealed class Hypotheses(IncidentContext context)
{
    private const string Columns = "incident_id, hypothesis_id, text, raised_at, raised_by, ruled_out_at, ruled_out_by, ruled_out_why";

    public async Task<Hypothesis> RaiseAsync(IncidentId id, string text, CancellationToken ct)
    {
        var written = Text(text, "the hypothesis", "say what may be the cause (\"the cleanup script is still running\")");
        await using var tx = await context.BeginAsync(ct);
        var incident = await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        IncidentContext.RequireOpen(incident, "raise it");
        long hypothesis;
        await using (var cmd = tx.Command("INSERT INTO incidents.hypotheses (incident_id, text, raised_at, raised_by) VALUES ($1, $2, $3, $4) RETURNING hypothesis_id"))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = written });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = context.Actor });
            hypothesis = (long)(await cmd.ExecuteScalarAsync(ct))!;
        }

        await context.RecordAsync(tx, id, "hypothesis", $"hypothesis {hypothesis}: {written}", ct);
        await tx.CommitAsync(ct);
        return (await ListAsync(id, ct)).Single(h => h.Id == hypothesis);
    }

    public async Task<Hypothesis> RuleOutAsync(IncidentId id, long hypothesis, string why, CancellationToken ct)
    {
        var because = Text(why, "the reason", "say what ruled it out (\"the script's host was switched off at 09:12\")");
        await using var tx = await context.BeginAsync(ct);
        await IncidentContext.RequireAsync(tx, id, "FOR SHARE", ct);
        await using (var cmd = tx.Command("""
            UPDATE incidents.hypotheses SET ruled_out_at = $3, ruled_out_by = $4, ruled_out_why = $5
            WHERE incident_id = $1 AND hypothesis_id = $2 AND ruled_out_at IS NULL
            """))
        {
            cmd.Parameters.Add(new() { Value = id.Value });
            cmd.Parameters.Add(new() { Value = hypothesis });
            cmd.Parameters.Add(new() { Value = context.Time.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = context.Actor });
            cmd.Parameters.Add(new() { Value = because });
            if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            {
                var found = (await ListAsync(id, ct)).FirstOrDefault(h => h.Id == hypothesis);
                throw found is null
                    ? new PlatformException(PlatformErrorKind.NotFound, $"incident {id} has no hypothesis {hypothesis}: list them to find its number. Nothing was changed.")
                    : new PlatformException(PlatformErrorKind.Conflict, $"hypothesis {hypothesis} was ruled out already by {found.RuledOutBy}: {found.RuledOutWhy}. Nothing was changed.");
            }
        }

        await context.RecordAsync(tx, id, "ruled-out", $"hypothesis {hypothesis} ruled out: {because}", ct);
        await tx.CommitAsync(ct);
        return (await ListAsync(id, ct)).Single(h => h.Id == hypothesis);
    }

    public async Task<IReadOnlyList<Hypothesis>> ListAsync(IncidentId id, CancellationToken ct)
    {
        await using var cmd = context.Command($"SELECT {Columns} FROM incidents.hypotheses WHERE incident_id = $1 ORDER BY hypothesis_id");
        cmd.Parameters.Add(new() { Value = id.Value });
        var list = new List<Hypothesis>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(new Hypothesis(IncidentId.Parse(reader.GetString(0)), reader.GetInt64(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return list;
    }

    private static string Text(string? text, string what, string hint)
    {
        var written = text?.Trim();
        return string.IsNullOrEmpty(written) || written.Length > 1000
            ? throw new PlatformException(PlatformErrorKind.Invalid, $"{what} is empty or over 1,000 characters: {hint}. Nothing was changed.")
            : written;
    }
}
