using Lifeboat.Platform;
using Npgsql;
using NpgsqlTypes;

namespace Lifeboat.Incidents.Internal;

/// <summary>What every use case shares: the module's pool, the clock, who acts and through what.</summary>
internal sealed class IncidentContext(NpgsqlDataSource dataSource, TimeProvider time, string actor, string source)
{
    public const string IncidentColumns =
        "incident_id, title, type, severity, visibility, phase, alert_id, plan_id, site_ids, duplicate_of, declared_at, declared_by, changed_at, changed_by";

    public NpgsqlDataSource DataSource { get; } = dataSource;

    public TimeProvider Time { get; } = time;

    public string Actor { get; } = actor;

    /// <summary>Where the change came from (a person's call through a surface, later the detector, a plan, a restore job).</summary>
    public string Source { get; } = source;

    /// <summary>The runbooks declaring posts as checklists; null for none.</summary>
    public RunbookLibrary? Runbooks { get; init; }

    public CadencePolicy Cadence { get; init; } = CadencePolicy.Default;

    public IncidentContext WithActor(string actor) => new(DataSource, Time, actor, Source) { Runbooks = Runbooks, Cadence = Cadence };

    public IncidentContext WithSource(string source) => new(DataSource, Time, Actor, source) { Runbooks = Runbooks, Cadence = Cadence };

    public NpgsqlCommand Command(string sql)
    {
#pragma warning disable CA2100 // every statement of the module is a constant in this assembly
        return DataSource.CreateCommand(sql);
#pragma warning restore CA2100
    }

    public async Task<IncidentTransaction> BeginAsync(CancellationToken ct)
    {
        var connection = await DataSource.OpenConnectionAsync(ct);
        try
        {
            return new IncidentTransaction(connection, await connection.BeginTransactionAsync(ct));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds an event to the incident's timeline, in the transaction of the change it records.</summary>
    public async Task<long> RecordAsync(IncidentTransaction tx, IncidentId incident, string kind, string text, CancellationToken ct)
    {
        await using var cmd = tx.Command("INSERT INTO incidents.timeline (incident_id, at, actor, source, kind, text) VALUES ($1, $2, $3, $4, $5, $6) RETURNING event_id");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = Actor });
        cmd.Parameters.Add(new() { Value = Source });
        cmd.Parameters.Add(new() { Value = kind });
        cmd.Parameters.Add(new() { Value = text });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The incident, locked for this transaction when <paramref name="lockMode"/> says so; refuses one this environment does not have.</summary>
    public static async Task<Incident> RequireAsync(IncidentTransaction tx, IncidentId incident, string lockMode, CancellationToken ct)
    {
        await using var cmd = tx.Command($"SELECT {IncidentColumns} FROM incidents.incidents WHERE incident_id = $1 {lockMode}");
        cmd.Parameters.Add(new() { Value = incident.Value });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadIncident(reader) : throw NotFound(incident);
    }

    public async Task<Incident> RequireAsync(IncidentId incident, CancellationToken ct)
    {
        await using var cmd = Command($"SELECT {IncidentColumns} FROM incidents.incidents WHERE incident_id = $1");
        cmd.Parameters.Add(new() { Value = incident.Value });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadIncident(reader) : throw NotFound(incident);
    }

    /// <summary>Refuses a change to a closed incident, naming what to do instead.</summary>
    public static void RequireOpen(Incident incident, string change)
    {
        if (incident.Phase == IncidentPhase.Closed)
        {
            var where = incident.DuplicateOf is { } survivor ? $" as a duplicate of {survivor}: {change} there" : ": declare a new incident if it has come back";
            throw new PlatformException(PlatformErrorKind.Conflict, $"incident {incident.Id} is closed{where}. Nothing was changed.");
        }
    }

    /// <summary>A person's name as given, trimmed; refuses an empty or overlong one naming what it is for.</summary>
    public static string RequirePerson(string? person, string what)
    {
        var trimmed = person?.Trim();
        return string.IsNullOrEmpty(trimmed)
            ? throw new PlatformException(PlatformErrorKind.Invalid, $"{what} is empty: give the login of the person.")
            : trimmed.Length > 200
                ? throw new PlatformException(PlatformErrorKind.Invalid, $"{what} is {trimmed.Length} characters long; a login is at most 200.")
                : trimmed;
    }

    public static PlatformException NotFound(IncidentId incident) =>
        new(PlatformErrorKind.NotFound, $"incident {incident} does not exist in this environment: check the ID (incidents are never deleted).");

    public static Incident ReadIncident(NpgsqlDataReader reader) => new(
        IncidentId.FromValidated(reader.GetString(0)),
        reader.GetString(1),
        reader.GetString(2),
        (IncidentSeverity)reader.GetInt16(3),
        IncidentNames.VisibilityOf(reader.GetString(4)),
        IncidentNames.PhaseOf(reader.GetString(5)),
        reader.IsDBNull(6) ? null : AlertId.FromValidated(reader.GetString(6)),
        reader.IsDBNull(7) ? null : PlanId.FromValidated(reader.GetString(7)),
        [.. reader.GetFieldValue<string[]>(8).Select(SiteId.FromValidated)],
        reader.IsDBNull(9) ? null : IncidentId.FromValidated(reader.GetString(9)),
        reader.GetFieldValue<DateTimeOffset>(10),
        reader.GetString(11),
        reader.GetFieldValue<DateTimeOffset>(12),
        reader.GetString(13));

    /// <summary>Marks the incident changed by this actor now (every change to it passes here).</summary>
    public async Task TouchAsync(IncidentTransaction tx, IncidentId incident, CancellationToken ct)
    {
        await using var cmd = tx.Command("UPDATE incidents.incidents SET changed_at = $2, changed_by = $3 WHERE incident_id = $1");
        cmd.Parameters.Add(new() { Value = incident.Value });
        cmd.Parameters.Add(new() { Value = Time.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = Actor });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
}

/// <summary>A connection and its transaction, disposed together.</summary>
internal sealed class IncidentTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    public NpgsqlCommand Command(string sql)
    {
#pragma warning disable CA2100 // every statement of the module is a constant in this assembly
        return new NpgsqlCommand(sql, connection, transaction);
#pragma warning restore CA2100
    }

    public Task CommitAsync(CancellationToken ct) => transaction.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
