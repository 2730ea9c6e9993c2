namespace Lifeboat.Incidents;

/// <summary>What a reminder asks for: an internal update, a customer update, a stream's own update, an update on restore progress, an acknowledgement, or telling customers their site is back.</summary>
public enum ReminderKind
{
    InternalUpdate,
    CustomerUpdate,
    StreamUpdate,
    Progress,

    /// <summary>A handoff its receiver has not acknowledged in time: escalated, never snoozed.</summary>
    HandoffUnacknowledged,

    /// <summary>Affected sites restored with no customer update recorded since: their customers do not know their site is back.</summary>
    CustomerNotUpdated,
}

/// <summary>A reminder due now: since when, and what to do. <see cref="Stream"/> is set for a stream's own cadence.</summary>
public sealed record Reminder(ReminderKind Kind, string? Stream, DateTimeOffset DueSince, string Text);

/// <summary>How far the restore has come, as the host sees it: sites restored of the sites affected.</summary>
public sealed record RestoreProgress(int SitesRestored, int SitesAffected);

/// <summary>A reminder held until <see cref="Until"/>, with the reason given.</summary>
public sealed record ReminderSnooze(
    IncidentId Incident,
    long Id,
    ReminderKind Kind,
    string? Stream,
    DateTimeOffset Until,
    string Reason,
    DateTimeOffset SnoozedAt,
    string SnoozedBy);
