namespace Lifeboat.Incidents;

/// <summary>Someone taking part in an incident, with the region and shift a follow-the-sun handoff goes by.</summary>
public sealed record Participant(
    IncidentId Incident,
    string Person,
    string? Region,
    string? Shift,
    DateTimeOffset JoinedAt,
    string JoinedBy);

public enum IncidentTaskState
{
    Open,
    Done,
    Dropped,
}

/// <summary>What a commander gives to assign work: to whom (or no one yet, to be claimed), what for and what to do.</summary>
public sealed record TaskAssignment
{
    /// <summary>A participant, or null for a task anyone may claim.</summary>
    public string? Owner { get; init; }

    /// <summary>What the task is for (required, 1–500 characters).</summary>
    public required string Purpose { get; init; }

    /// <summary>What to do (required, 1–500 characters).</summary>
    public required string Action { get; init; }

    public DateTimeOffset? Due { get; init; }

    /// <summary>The slug of an open stream the task belongs to, or null for the incident as a whole.</summary>
    public string? Stream { get; init; }
}

/// <summary>A task, numbered per incident (#1, #2, …).</summary>
public sealed record IncidentTask(
    IncidentId Incident,
    int Number,
    string? Stream,
    string? Owner,
    string Purpose,
    string Action,
    DateTimeOffset? Due,
    IncidentTaskState State,
    string? StateReason,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? StateChangedAt,
    string? StateChangedBy,
    string? ChecklistItem);

/// <summary>The commander's view of one participant: what they hold open, and whether they have gone quiet.</summary>
public sealed record ParticipantWorkload(
    string Person,
    string? Region,
    string? Shift,
    IReadOnlyList<int> OpenTasks,
    DateTimeOffset? LastActivity,
    bool Silent)
{
    /// <summary>No open task: someone the commander can give work to.</summary>
    public bool Idle => OpenTasks.Count == 0;
}

/// <summary>What opens a sub-stream: a slug, a lead (a participant), a goal and optionally its own update cadence.</summary>
public sealed record StreamOpening
{
    /// <summary>Unique in the incident: lower-case letters, digits and dashes ("restore-wave-1").</summary>
    public required string Slug { get; init; }

    public required string Lead { get; init; }

    public required string Goal { get; init; }

    /// <summary>How often the stream owes an update of its own (1 minute to 24 hours), or null to follow the incident's.</summary>
    public TimeSpan? Cadence { get; init; }
}

/// <summary>A sub-stream and its roll-up: its tasks open and done, and when it last posted an update of its own.</summary>
public sealed record IncidentStream(
    IncidentId Incident,
    string Slug,
    string Lead,
    string Goal,
    TimeSpan? Cadence,
    DateTimeOffset OpenedAt,
    string OpenedBy,
    DateTimeOffset? ClosedAt,
    string? ClosedBy,
    int OpenTasks,
    int DoneTasks,
    DateTimeOffset? LastUpdateAt)
{
    public bool IsOpen => ClosedAt is null;
}
