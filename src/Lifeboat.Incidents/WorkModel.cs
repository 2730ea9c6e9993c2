using Lifeboat.Platform;

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

/// <summary>How a restore job's sites are split into streams: one per region, or one per batch of N sites.</summary>
public enum RestoreStreamGrouping
{
    Region,
    Batch,
}

/// <summary>What opens streams from a restore job: the job, their lead (a participant), and how its sites are split.</summary>
public sealed record RestoreStreamsOpening
{
    public required RestoreJobId Job { get; init; }

    public required string Lead { get; init; }

    public RestoreStreamGrouping By { get; init; } = RestoreStreamGrouping.Region;

    /// <summary>Sites per stream (1 to 10,000); required with <see cref="RestoreStreamGrouping.Batch"/>, refused with Region.</summary>
    public int? BatchSize { get; init; }
}

/// <summary>A restore stream's progress, read live from its job: of its sites, how many are restored, restored and validated, and failed.</summary>
public sealed record StreamRestoreProgress(int Sites, int Restored, int Validated, int Failed);

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

    /// <summary>The restore job the stream was opened from (null: a stream opened by hand).</summary>
    public RestoreJobId? RestoreJob { get; init; }

    /// <summary>The sites of <see cref="RestoreJob"/> the stream covers (empty for a stream opened by hand).</summary>
    public IReadOnlyList<SiteId> Sites { get; init; } = [];

    /// <summary>Its sites' progress in the job, read when the streams are listed (null for a stream opened by hand).</summary>
    public StreamRestoreProgress? Restore { get; init; }
}
