using Lifeboat.Storage.Backups;

namespace Lifeboat.Platform.Backups;

/// <summary>
/// The platform's own tables, as an environment backup carries them. Every table of the platform
/// schema must be named here (a test checks it), or a restored environment would lack it. The modules a
/// host runs add theirs (<see cref="Of"/>).
/// </summary>
internal static class PlatformTables
{
    public static IReadOnlyList<TableSpec> All { get; } =
    [
        new("platform.site_directory", TenantColumn: "site_id"),
        new("platform.id_directory", TenantColumn: "site_id"),
        new("platform.products"),
        new("platform.apps"),
        new("platform.outbox", "position", "platform.outbox_position"),
        new("platform.outbox_cursors"),
        new("platform.plans"),
        new("platform.plan_targets"),
        new("platform.plan_waves"),
        new("platform.health_signals", "signal_id", "platform.health_signals_signal_id_seq"),
        new("platform.alerts"),
        new("platform.detector_cursor"),
        new("platform.audit_log", "audit_id", "platform.audit_log_audit_id_seq"),
        new("platform.restore_jobs"),
        new("platform.restore_job_sites"),
        new("platform.restore_steps"),
        new("platform.participants"),
        new("platform.policy_versions"),
        new("platform.policy_approvals"),
        new("platform.operators"),
        new("platform.api_tokens"),
        new("platform.emergency_access"),
        new("platform.change_freezes"),
        // Parents first: links refer to accounts and to the site directory above.
        new("platform.accounts"),
        new("platform.account_sites", TenantColumn: "site_id"),
        new("platform.account_contacts"),
    ];

    /// <summary>The platform's tables, then every table of each module the host runs.</summary>
    public static IReadOnlyList<TableSpec> Of(PlatformOptions options) => [.. All, .. options.Modules.SelectMany(m => m.Tables)];
}
