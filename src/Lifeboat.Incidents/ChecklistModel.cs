namespace Lifeboat.Incidents;

/// <summary>What Lifeboat can see that ticks a checklist item by itself; written in a runbook as the kebab-case names in <see cref="EvidenceChecks"/>.</summary>
public enum EvidenceCheck
{
    RestoreJobStarted,
    FirstPublicUpdatePublished,
    EveryAffectedSiteValidated,
    CommanderNamed,
    FreezeOn,
}

/// <summary>The names runbooks write evidence checks under.</summary>
public static class EvidenceChecks
{
    private static readonly Dictionary<EvidenceCheck, string> Names = new()
    {
        [EvidenceCheck.RestoreJobStarted] = "restore-job-started",
        [EvidenceCheck.FirstPublicUpdatePublished] = "first-public-update-published",
        [EvidenceCheck.EveryAffectedSiteValidated] = "every-affected-site-validated",
        [EvidenceCheck.CommanderNamed] = "commander-named",
        [EvidenceCheck.FreezeOn] = "freeze-on",
    };

    /// <summary>"restore-job-started, first-public-update-published, …": what a refusal lists.</summary>
    public static string Allowed => string.Join(", ", Names.Values);

    public static string Of(EvidenceCheck check) => Names[check];

    public static EvidenceCheck? Parse(string name) =>
        Names.Where(n => string.Equals(n.Value, name, StringComparison.Ordinal)).Select(n => (EvidenceCheck?)n.Key).FirstOrDefault();
}

/// <summary>One step of a runbook: an ID unique in it, what to do, optionally the evidence that ticks it and whether a second person must check it.</summary>
public sealed record RunbookItem(string Id, string Text, EvidenceCheck? Evidence, bool DoubleCheck);

/// <summary>A runbook for one incident type, read from <see cref="Source"/> (its file).</summary>
public sealed record Runbook(string Type, string Source, IReadOnlyList<RunbookItem> Items)
{
    /// <summary>
    /// Whether the updates Lifeboat drafts from the restore's progress go out without review for incidents of this type
    /// (<c>publish-progress-updates: true</c>). Off by default: a person approves and another double-checks every update.
    /// </summary>
    public bool PublishProgressUpdates { get; init; }
}

/// <summary>An item of an incident's checklist: the runbook's item and who ticked it (and, for a double-check item, who checked it).</summary>
public sealed record ChecklistItem(
    IncidentId Incident,
    string Id,
    int Position,
    string Text,
    EvidenceCheck? Evidence,
    bool DoubleCheck,
    int? Task,
    DateTimeOffset? TickedAt,
    string? TickedBy,
    string? TickSource,
    DateTimeOffset? CheckedAt,
    string? CheckedBy)
{
    /// <summary>Ticked, and for a double-check item checked by a second person.</summary>
    public bool Done => TickedAt is not null && (!DoubleCheck || CheckedAt is not null);
}

/// <summary>
/// What the host sees and passes in for <see cref="IncidentDesk.EvaluateEvidenceAsync"/>: the library
/// knows nothing of restore jobs or status pages. Whether a commander is named, the desk reads itself.
/// </summary>
public sealed record Evidence
{
    /// <summary>A restore job has started for the incident's sites.</summary>
    public bool RestoreJobStarted { get; init; }

    /// <summary>How many public (customer-facing) updates have been published.</summary>
    public int PublicUpdatesPublished { get; init; }

    public int SitesValidated { get; init; }

    public int SitesAffected { get; init; }

    /// <summary>The incident's code freeze is on.</summary>
    public bool FreezeOn { get; init; }
}

/// <summary>How the desk is opened: where its runbooks are, and the update cadence it reminds of.</summary>
public sealed record IncidentDeskOptions
{
    /// <summary>A folder of runbooks, one YAML file per incident type (<c>mass-deletion.yaml</c>); null for none (no checklist).</summary>
    public string? RunbookFolder { get; init; }

    public CadencePolicy Cadence { get; init; } = CadencePolicy.Default;
}
