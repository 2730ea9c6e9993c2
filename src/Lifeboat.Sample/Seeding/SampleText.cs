namespace Lifeboat.Sample.Seeding;

/// <summary>The vocabulary of the seeded sites: what a small SaaS team's tracker and wiki talk about.</summary>
internal static class SampleText
{
    public static readonly string[] Components =
    [
        "Login", "Checkout", "Search", "CSV export", "Dashboard", "Notifications", "Password reset", "Billing page", "Mobile app",
        "API rate limiter", "SSO sign-in", "Audit log", "Webhooks", "Image upload", "Calendar sync", "Invoice PDF", "Onboarding wizard",
    ];

    public static readonly string[] Problems =
    [
        "fails", "is slow", "returns a 500", "shows the wrong totals", "times out", "crashes", "ignores the time zone", "loses unsaved changes",
        "sends duplicates", "renders blank", "logs users out", "rejects valid input",
    ];

    public static readonly string[] Contexts =
    [
        "on Safari", "for admins", "after the last release", "with more than 1,000 rows", "on first load", "when offline", "for EU customers",
        "in dark mode", "on Android", "behind a corporate proxy", "for invited users", "during the nightly sync",
    ];

    public static readonly string[] Labels =
        ["bug", "feature", "ux", "performance", "security", "docs", "regression", "customer", "backend", "frontend", "api", "mobile"];

    public static readonly string[] Roles = ["an admin", "a new user", "a billing manager", "a guest", "a support agent"];

    public static readonly string[] Groups =
        ["Administrators", "Engineering", "Support", "Product", "Design", "Marketing", "Sales", "Finance", "Operations", "Quality Assurance"];

    public static readonly string[] Flags =
    [
        "new-editor", "dark-mode", "ai-summaries", "beta.search", "bulk-export", "sso.enforce", "issue-templates", "wiki.comments",
        "legacy-insights.sync", "mobile-push", "audit-log.export", "two-factor",
    ];

    public static readonly string[] RootPages = ["Home", "Engineering handbook", "Runbooks", "Onboarding", "Product specs", "Meeting notes"];

    public static readonly string[] PageTitles =
    [
        "How to {verb} the {thing}", "Runbook: {thing}", "Decision record: {thing}", "Spec: {thing}", "Notes on the {thing}",
        "Checklist: {verb} the {thing}", "FAQ: {thing}",
    ];

    public static readonly string[] Sections = ["Context", "Steps", "Rollback", "Open questions", "Decision", "Owners", "Links", "Background"];

    public static readonly string[] InternalSites =
        ["QA", "Sales demo", "Support sandbox", "Release staging", "Design review", "Security testing", "Training"];

    public static readonly string[] CommentTemplates =
    [
        "Reproduced {context}.", "Fixed in {version}, please verify.", "Can we get an update? A customer is asking {context}.",
        "Duplicate of an older issue, closing this one soon.", "Looks related to the {component} change.", "I can take this one.",
        "Moved to the next sprint.", "Added logs from {context}.",
    ];

    public static readonly string[] PermissionsOfGroup =
    [
        "site.admin tracker.admin wiki.admin", // Administrators
        "tracker.edit wiki.edit",              // Engineering
        "tracker.edit wiki.view",              // Support
        "tracker.edit wiki.edit",              // Product
        "wiki.edit tracker.view",              // Design
        "wiki.edit",                           // Marketing
        "wiki.view",                           // Sales
        "billing.manage wiki.view",            // Finance
        "tracker.edit wiki.edit",              // Operations
        "tracker.edit wiki.view",              // Quality Assurance
    ];
}
