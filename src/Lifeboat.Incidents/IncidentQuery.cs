namespace Lifeboat.Incidents;

/// <summary>
/// Which incidents to list: open ones (every phase but closed) unless <see cref="OpenOnly"/> is false;
/// a <see cref="Phase"/>, when given, decides alone (closed included); at most <see cref="Limit"/> (1 to 500).
/// </summary>
public sealed record IncidentQuery
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public bool OpenOnly { get; init; } = true;

    public IncidentPhase? Phase { get; init; }

    public IncidentSeverity? Severity { get; init; }

    public int Limit { get; init; } = DefaultLimit;
}

/// <summary>An incident in a list, with the login of its commander, or null while no one holds the role.</summary>
public sealed record ListedIncident(Incident Incident, string? Commander);
