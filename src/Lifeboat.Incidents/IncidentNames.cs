namespace Lifeboat.Incidents;

/// <summary>The names of phases, roles, slots, severities and visibilities as people (and the database) write them.</summary>
public static class IncidentNames
{
    private static readonly Dictionary<IncidentRole, string> Roles = new()
    {
        [IncidentRole.Commander] = "commander",
        [IncidentRole.Approver] = "approver",
        [IncidentRole.Contributor] = "contributor",
        [IncidentRole.Informed] = "informed",
        [IncidentRole.Scribe] = "scribe",
        [IncidentRole.CommunicationsLead] = "communications-lead",
        [IncidentRole.SupportLead] = "support-lead",
    };

    /// <summary>Roles one person holds at a time (each with an optional backup); the others are held by many.</summary>
    public static bool IsSingleHolder(IncidentRole role) => role is not (IncidentRole.Contributor or IncidentRole.Informed);

    /// <summary>The roles an incident must have filled, with their backups.</summary>
    public static IReadOnlyList<IncidentRole> Required { get; } = [IncidentRole.Commander, IncidentRole.CommunicationsLead, IncidentRole.Scribe];

    public static string Of(IncidentRole role) => Roles[role];

    public static string Of(IncidentPhase phase) => phase.ToString().ToLowerInvariant();

    public static string Of(RoleSlot slot) => slot.ToString().ToLowerInvariant();

    public static string Of(IncidentVisibility visibility) => visibility.ToString().ToLowerInvariant();

    public static string Of(IncidentSeverity severity) => $"SEV{(int)severity}";

    internal static IncidentRole RoleOf(string text) => Roles.Single(r => string.Equals(r.Value, text, StringComparison.Ordinal)).Key;

    internal static IncidentPhase PhaseOf(string text) => Enum.Parse<IncidentPhase>(text, ignoreCase: true);

    internal static RoleSlot SlotOf(string text) => Enum.Parse<RoleSlot>(text, ignoreCase: true);

    internal static IncidentVisibility VisibilityOf(string text) => Enum.Parse<IncidentVisibility>(text, ignoreCase: true);
}
