namespace Lifeboat.Communication.Templates;

/// <summary>
/// Every variable an update template may use, with what it holds: the one list the check at save time, the model given to
/// the engine and docs/templates.md follow. The figures are computed (<see cref="Figures.RecoveryFigures"/>); only
/// <c>message</c> is a person's words. <c>[]</c> marks a list, whose items have the fields after it.
/// </summary>
public static class TemplateVariables
{
    public static IReadOnlyList<(string Path, string Meaning)> All { get; } =
    [
        ("phase", "the phase label the update opens with: [Investigating], [Identified], [Restoring 41%], [Monitoring], [Recovered]"),
        ("phase_name", "the phase as a word in the update's language"),
        ("message", "what the author wrote: what happened and who is affected, in their words (may be empty)"),
        ("incident.id", "the incident's ID"),
        ("incident.title", "the incident's title"),
        ("incident.severity", "Sev1 to Sev4"),
        ("incident.declared_at", "when it was declared, UTC, yyyy-MM-dd HH:mm"),
        ("sites.affected", "how many sites the incident affects"),
        ("sites.restored", "how many of them are restored and validated"),
        ("sites.left", "how many are not back yet"),
        ("sites.share", "the share restored, whole percent rounded down (100 only when every site is back)"),
        ("restore.eta", "the time left as a range from the measured pace (\"15 to 25 minutes\"), or that it is not measured yet"),
        ("restore.eta_low_minutes", "the range's low end in whole minutes (empty when not measured)"),
        ("restore.eta_high_minutes", "the range's high end in whole minutes (empty when not measured)"),
        ("restore.pace", "sites restored per minute so far (empty when not measured)"),
        ("data_loss", "the expected data loss of the sites the update is about, in a sentence"),
        ("confidence", "how sure that figure is, as a word: verified, estimated or unknown, in the update's language"),
        ("confidence_code", "the same as a code: verified, estimated, unknown"),
        ("customer.id", "the customer account's ID (customer updates only; empty otherwise)"),
        ("customer.name", "the customer's name (customer updates only)"),
        ("customer.sites_affected", "how many of the customer's sites are affected"),
        ("customer.sites_restored", "how many of them are back"),
        ("customer.sites[]", "the customer's affected sites"),
        ("customer.sites[].id", "a site's ID"),
        ("customer.sites[].name", "a site's name"),
        ("customer.sites[].state", "its restore state, in the update's language"),
        ("customer.sites[].data_loss", "what it may have lost, in a sentence"),
        ("customer.sites[].confidence", "verified, estimated or unknown, in the update's language"),
        ("corrects", "the number of the update this one corrects (empty when none)"),
        ("support.email", "where customers write to support"),
        ("support.url", "the support page for customers with no login"),
        ("status_url", "the public status page"),
    ];
}
