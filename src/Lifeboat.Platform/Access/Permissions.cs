namespace Lifeboat.Platform.Access;

/// <summary>
/// What a principal may do, one string per permission. Every HTTP endpoint and every CLI command
/// declares one of these; <see cref="Roles"/> says which roles hold which.
/// </summary>
public static class Permissions
{
    public const string SitesRead = "sites.read";
    public const string SitesWrite = "sites.write";
    public const string CatalogWrite = "catalog.write";
    public const string ContactsRead = "contacts.read";
    public const string ContactsWrite = "contacts.write";
    public const string ContactsExport = "contacts.export";
    public const string EventsRead = "events.read";
    public const string EventsConsume = "events.consume";
    public const string PlansRead = "plans.read";
    public const string PlansSubmit = "plans.submit";
    public const string PlansApprove = "plans.approve";
    public const string PlansRun = "plans.run";
    public const string HealthSignal = "health.signal";
    public const string AlertsRead = "alerts.read";
    public const string AlertsAcknowledge = "alerts.acknowledge";
    public const string AuditRead = "audit.read";
    public const string PolicyRead = "policy.read";
    public const string PolicyPropose = "policy.propose";
    public const string PolicyApprove = "policy.approve";
    public const string RestoresRead = "restores.read";
    public const string RestoresStart = "restores.start";
    public const string RestoresApprove = "restores.approve";
    public const string BreakerRead = "breaker.read";
    public const string BreakerManage = "breaker.manage";
    public const string ParticipantsManage = "participants.manage";
    public const string StoreRead = "store.read";
    public const string StoreWrite = "store.write";
    public const string BackupsRead = "backups.read";
    public const string BackupsWrite = "backups.write";
    public const string ErasuresApprove = "erasures.approve";
    public const string OperatorsManage = "operators.manage";

    /// <summary>See incidents, their roles, handoffs and timeline; acknowledge a handoff made to oneself.</summary>
    public const string IncidentsRead = "incidents.read";

    /// <summary>Declare an incident and add notes to its timeline.</summary>
    public const string IncidentsDeclare = "incidents.declare";

    /// <summary>Command an incident: phases, severity, roles, handoffs, pins and merging duplicates.</summary>
    public const string IncidentsCommand = "incidents.command";

    /// <summary>See support tickets, their queues (triage included) and their history.</summary>
    public const string SupportRead = "support.read";

    /// <summary>Answer support tickets and link a triage ticket to a customer account by hand.</summary>
    public const string SupportWrite = "support.write";

    /// <summary>One's own account: who am I, my tokens, my password. Every role holds it; the bootstrap credential holds only it.</summary>
    public const string AccountSelf = "account.self";

    /// <summary>Ask for emergency access (break glass); a different admin must confirm it.</summary>
    public const string EmergencyRequest = "emergency.request";

    /// <summary>Confirm someone else's emergency access.</summary>
    public const string EmergencyConfirm = "emergency.confirm";

    /// <summary>Every permission defined here, for the admin role and for checks that a name is one.</summary>
    public static IReadOnlyList<string> All { get; } = typeof(Permissions).GetFields()
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>Whether <paramref name="permission"/> is one of the approvals a second person gives (<c>*.approve</c>).</summary>
    public static bool IsApproval(string permission) => permission.EndsWith(".approve", StringComparison.Ordinal);
}
