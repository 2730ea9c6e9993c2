using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lifeboat.Drill.Report;

/// <summary>
/// What a drill measured. Its JSON form (snake_case) is the contract for scripts, documented in
/// docs/drill-report.md; the HTML page is drawn from the same data.
/// </summary>
public sealed record DrillReport
{
    public const string SchemaName = "lifeboat.drill-report/1";

    public string Schema { get; init; } = SchemaName;

    /// <summary>False when the drill was interrupted: the figures cover what happened until then.</summary>
    public bool Complete { get; init; }

    public string? InterruptedDuring { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset FinishedAt { get; init; }

    public required MachineInfo Machine { get; init; }

    public required DrillParameters Parameters { get; init; }

    // The headline figures.
    public int SitesAffected { get; init; }

    public double? DetectionSeconds { get; init; }

    public double? RtoSeconds { get; init; }

    /// <summary>Data lost, in seconds before the deletion: 0 when every restored site equals its state at the instant before its own deletion.</summary>
    public double? RpoSeconds { get; init; }

    public long LostWrites { get; init; }

    public int SitesRestored { get; init; }

    public int SitesFailedValidation { get; init; }

    public SeedFigures? Seed { get; init; }

    public Act1Figures? Act1 { get; init; }

    public Act2Figures? Act2 { get; init; }

    public Act3Figures? Act3 { get; init; }

    /// <summary>The incident the damage became, its customers told and helped, its retrospective; null when nothing was deleted.</summary>
    public IncidentFigures? Incident { get; init; }

    public LoadFigures? Load { get; init; }

    public IReadOnlyList<SiteTiming> Sites { get; init; } = [];

    public Timeline Timeline { get; init; } = new([], []);

    public Comparison2022 April2022 { get; init; } = new();

    /// <summary>
    /// Whether the drill shows what it must: nothing lost, every site validated, the wrong-ID plan refused, and every affected
    /// customer reached.
    /// </summary>
    public bool Passed => Complete && Act1?.Refused == true && LostWrites == 0 && SitesFailedValidation == 0 && RpoSeconds == 0 && SitesRestored == SitesAffected
        && (SitesAffected == 0 || Incident is { } i && i.CustomersReached == i.CustomersAffected);

    /// <summary>The retrospective's Markdown, written beside the report (retrospective.md), not part of the JSON.</summary>
    [JsonIgnore]
    public string? RetrospectiveMarkdown { get; init; }

    /// <summary>
    /// For the JSON file, which people read too: '+', '&amp;' and quotes stay as they are instead of \u002B
    /// and the like. Not for embedding in HTML (see <see cref="JsonForHtml"/>).
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The same JSON with every character HTML gives a meaning to escaped, for the page's script element.</summary>
    public static JsonSerializerOptions JsonForHtml { get; } = new(Json) { Encoder = JavaScriptEncoder.Default };
}

public sealed record MachineInfo(int Cpus, long MemoryBytes, string Postgres, string Os);

public sealed record DrillParameters(int Sites, string Size, int InternalSites, int Bystanders, double PaceMs, bool NoHalt, int Seed, int LoadWriters, int RestoreConcurrency);

public sealed record SeedFigures(int Sites, long Records, long Blobs, long BlobBytes, double Seconds);

/// <summary>Act 1: the script as it was — site IDs where app-installation IDs belong.</summary>
public sealed record Act1Figures(bool Refused, string Message, int IdsRefused, DateTimeOffset At);

/// <summary>Act 2: the guardrails bypassed on purpose; the detector notices.</summary>
public sealed record Act2Figures(
    string Plan,
    bool OverrideAudited,
    int SitesTargeted,
    int SitesDeleted,
    DateTimeOffset? FirstDeletionAt,
    DateTimeOffset? DetectedAt,
    double? DetectionSeconds,
    string? Alert,
    bool Halted,
    string? HaltCode);

/// <summary>Act 3: one restore job for every affected site, each to the instant before its own deletion (RecoveryPoint: the range of them).</summary>
public sealed record Act3Figures(
    string Job,
    string RecoveryPoint,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    double RestoreSeconds,
    int SitesRestored,
    int SitesFailedValidation,
    double SitesPerSecond,
    bool EqualToBeforeTheDamage);

public sealed record LatencyFigures(long Writes, double P50Ms, double P99Ms, double MaxMs);

/// <summary>
/// The background load: on the sites the script never touched (Sites), and on the targeted sites until each was deleted
/// (TargetedWrites acknowledged by them); every acknowledged write must survive.
/// </summary>
public sealed record LoadFigures(int Sites, long Writes, long Errors, long LostWrites, LatencyFigures Before, LatencyFigures Damage, LatencyFigures During, LatencyFigures After)
{
    public int TargetedSites { get; init; }

    public long TargetedWrites { get; init; }
}

/// <summary>A targeted site; RecoveryPoint is the one its restore went to (the instant before its own deletion).</summary>
public sealed record SiteTiming(string Site, bool Internal, DateTimeOffset? DeletedAt, DateTimeOffset? RestoreStartedAt, DateTimeOffset? RestoredAt, double? RestoreSeconds,
    string State, string? Problem, string? RecoveryPoint = null);

/// <summary>Points for the charts: seconds since the first deletion.</summary>
public sealed record Timeline(IReadOnlyList<ProgressPoint> Progress, IReadOnlyList<LatencyPoint> Latency);

public sealed record ProgressPoint(double T, int Deleted, int Restored, int Failed);

public sealed record LatencyPoint(double T, double P50Ms, double P99Ms, int Writes);

/// <summary>
/// The incident: declared from the platform's signals, commanded, its customers told through the review step and reached by
/// mail (counted where the mail server delivered them), support for a customer with no login, the restore's updates, a
/// handoff, and the retrospective. Seconds are from detection unless named otherwise.
/// </summary>
public sealed record IncidentFigures
{
    public string Incident { get; init; } = "";

    public string Title { get; init; } = "";

    public DateTimeOffset DeclaredAt { get; init; }

    public string DeclaredBy { get; init; } = "";

    public double? DeclareSeconds { get; init; }

    public string Commander { get; init; } = "";

    public string BackupCommander { get; init; } = "";

    public int ChecklistItems { get; init; }

    public int ChecklistTicked { get; init; }

    public bool FreezeOn { get; init; }

    /// <summary>Which mail server the customers were reached through, as the drill found it.</summary>
    public string MailServer { get; init; } = "";

    public string? FirstPublicUpdate { get; init; }

    public DateTimeOffset? FirstPublicUpdateAt { get; init; }

    public double? FirstPublicUpdateSeconds { get; init; }

    /// <summary>Customer accounts owning an affected site.</summary>
    public int CustomersAffected { get; init; }

    /// <summary>Those whose key contacts got the first public update, counted in the mailbox the mail server delivered to.</summary>
    public int CustomersReached { get; init; }

    public DateTimeOffset? EveryCustomerReachedAt { get; init; }

    public double? EveryCustomerReachedSeconds { get; init; }

    public int CustomerPagesIssued { get; init; }

    /// <summary>One per affected site, opened by the support desk.</summary>
    public int IncidentTickets { get; init; }

    public string? SupportTicket { get; init; }

    public SupportFigures? Support { get; init; }

    /// <summary>Customers whose "your sites are back" mail was delivered.</summary>
    public int CustomersToldBack { get; init; }

    /// <summary>From the first deletion to the last affected customer's "your sites are back" mail delivered.</summary>
    public double? EveryCustomerToldBackSeconds { get; init; }

    public bool Recovered { get; init; }

    public IReadOnlyDictionary<string, int> UpdatesPerAudience { get; init; } = new Dictionary<string, int>();

    public int MessagesSent { get; init; }

    public int MessagesDelivered { get; init; }

    public int RemindersFired { get; init; }

    public HandoffFigures? Handoff { get; init; }

    public RetrospectiveFigures? Retrospective { get; init; }

    public string Phase { get; init; } = "";

    /// <summary>What kept a customer from being reached or told, in words.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}

/// <summary>A customer with no login filing through the public intake with an address and the old URL.</summary>
public sealed record SupportFigures(bool Tried, bool Matched, double? Seconds, string? Requester, string? Problem);

public sealed record HandoffFigures(string From, string To, DateTimeOffset HandedAt, DateTimeOffset? AcknowledgedAt);

public sealed record RetrospectiveFigures(bool Drill, int TimelineEvents, int Figures, int FiguresMeasured);

/// <summary>The April 2022 figures the drill is measured against (from the post-incident review).</summary>
public sealed record Comparison2022
{
    public int SitesDeleted { get; init; } = 883;

    public double DeletionMinutes { get; init; } = 23;

    public double DetectionMinutes { get; init; } = 8;

    public double RestoreDays { get; init; } = 14;

    public double DataLostMinutes { get; init; } = 5;

    /// <summary>From the first customer ticket to the first public acknowledgement.</summary>
    public double AcknowledgementMinutes { get; init; } = 77;

    /// <summary>Until the first broad message to the affected customers.</summary>
    public double BroadMessageDays { get; init; } = 3;

    /// <summary>Until every affected customer was told their data is back (the last restores).</summary>
    public double ToldBackDays { get; init; } = 14;
}
