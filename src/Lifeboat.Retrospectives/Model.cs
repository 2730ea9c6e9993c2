using System.Text.Json;
using Lifeboat.Incidents;

namespace Lifeboat.Retrospectives;

/// <summary>Mackerel's five kinds of action after an incident.</summary>
public enum ActionKind
{
    ConfirmCause,
    MakeFixPermanent,
    PreventRecurrence,
    DetectSooner,
    RecoverFaster,
}

/// <summary>Classmethod's KPT: what to keep doing, what went wrong, what to try next time.</summary>
public enum EntryKind
{
    Keep,
    Problem,
    Try,
}

public enum ActionState
{
    Open,
    Done,
    Dropped,
}

public enum RetrospectiveState
{
    Open,
    Completed,
}

/// <summary>What closed an action: a text, a URL, or a drill report whose figure beat the incident's.</summary>
public enum EvidenceKind
{
    Text,
    Url,
    Drill,
}

/// <summary>Whether a figure was measured from recorded facts, could not be (and why), or is kept by no module of this environment.</summary>
public enum FigureStatus
{
    Measured,
    Unknown,
    NotTracked,
}

/// <summary>
/// One figure of the draft: a duration between two recorded instants (each named by what happened then), a count, or
/// "unknown" with why. <see cref="Seconds"/> is set for a measured duration; <see cref="Value"/> is the figure in words.
/// </summary>
public sealed record RetrospectiveFigure(
    string Key,
    string Name,
    FigureStatus Status,
    string Value,
    double? Seconds = null,
    DateTimeOffset? From = null,
    string? FromWhat = null,
    DateTimeOffset? To = null,
    string? ToWhat = null,
    string? Why = null)
{
    public static RetrospectiveFigure Between(string key, string name, DateTimeOffset from, string fromWhat, DateTimeOffset to, string toWhat) =>
        new(key, name, FigureStatus.Measured, Durations.Words(to - from), (to - from).TotalSeconds, from, fromWhat, to, toWhat);

    public static RetrospectiveFigure UnknownBecause(string key, string name, string why) => new(key, name, FigureStatus.Unknown, "unknown", Why: why);

    public static RetrospectiveFigure Count(string key, string name, string value) => new(key, name, FigureStatus.Measured, value);
}

/// <summary>What one customer account (or a site no account owns) may have lost, the weakest of its sites.</summary>
public sealed record CustomerDataLoss(string? Account, string Customer, int Sites, string Loss, DateTimeOffset? LostAfter, string Cause);

/// <summary>A timeline event as the retrospective shows it; pinned ones come first.</summary>
public sealed record RetrospectiveEvent(long Id, DateTimeOffset At, string Actor, string Kind, string Text, bool Pinned);

/// <summary>A role held from when to when (null until: still held when the draft was written).</summary>
public sealed record RetrospectiveRole(string Role, string Slot, string Person, DateTimeOffset From, DateTimeOffset? Until);

public sealed record RetrospectiveHandoff(long Id, string Role, string Slot, string From, string To, DateTimeOffset HandedAt, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy);

/// <summary>What the product wrote from the recorded facts, as of <see cref="WrittenAt"/>.</summary>
public sealed record RetrospectiveDraft(
    int Number,
    DateTimeOffset WrittenAt,
    string WrittenBy,
    IReadOnlyList<RetrospectiveEvent> Timeline,
    IReadOnlyList<RetrospectiveFigure> Figures,
    IReadOnlyList<CustomerDataLoss> DataLoss,
    IReadOnlyList<RetrospectiveRole> Roles,
    IReadOnlyList<RetrospectiveHandoff> Handoffs);

public sealed record EntryRevision(int Revision, string Text, DateTimeOffset WrittenAt, string WrittenBy);

/// <summary>A KPT entry; its text is the newest revision, and every earlier one is kept.</summary>
public sealed record KptEntry(int Number, EntryKind Kind, string Author, DateTimeOffset WrittenAt, IReadOnlyList<EntryRevision> Revisions)
{
    public string Text => Revisions[^1].Text;
}

/// <summary>What a person gives to add an action.</summary>
public sealed record ActionDraft
{
    public required ActionKind Kind { get; init; }

    public required string Title { get; init; }

    /// <summary>The login of an enabled operator of this Lifeboat.</summary>
    public required string Owner { get; init; }

    public required DateOnly Due { get; init; }
}

public sealed record RetrospectiveAction(
    int Number,
    ActionKind Kind,
    string Title,
    string Owner,
    DateOnly Due,
    ActionState State,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? ClosedAt,
    string? ClosedBy,
    string? DropReason,
    EvidenceKind? EvidenceKind,
    string? Evidence,
    JsonElement? DrillReport);

public sealed record KindNotNeeded(ActionKind Kind, string Reason, DateTimeOffset DecidedAt, string DecidedBy);

public sealed record ActionReminder(int Action, string Reminder, DateTimeOffset FiredAt, string Text);

/// <summary>An incident's retrospective: the newest draft, KPT, actions, kinds not needed, reminders fired.</summary>
public sealed record Retrospective(
    IncidentId Incident,
    string Title,
    bool Drill,
    RetrospectiveState State,
    DateTimeOffset OpenedAt,
    string OpenedBy,
    DateTimeOffset? CompletedAt,
    string? CompletedBy,
    RetrospectiveDraft? Draft,
    IReadOnlyList<KptEntry> Entries,
    IReadOnlyList<RetrospectiveAction> Actions,
    IReadOnlyList<KindNotNeeded> NotNeeded,
    IReadOnlyList<ActionReminder> Reminders)
{
    /// <summary>The kinds with neither an action that was not dropped nor a "not needed": completing waits for them.</summary>
    public IReadOnlyList<ActionKind> MissingKinds =>
        [.. Enum.GetValues<ActionKind>().Where(k => !Actions.Any(a => a.Kind == k && a.State != ActionState.Dropped) && !NotNeeded.Any(n => n.Kind == k))];
}
