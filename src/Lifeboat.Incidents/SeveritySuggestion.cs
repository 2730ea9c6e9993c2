using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>What Lifeboat measured of an incident's impact.</summary>
public sealed record MeasuredImpact(int SitesAffected, int CustomersAffected, long RecordsAtRisk);

/// <summary>A suggested severity and the measure that decided it.</summary>
public sealed record SuggestedSeverity(IncidentSeverity Severity, string Reason);

/// <summary>
/// Suggests a severity from measured impact. It only suggests: a person sets the severity. The
/// highest band any one measure reaches decides, because one large dimension is enough to make an
/// incident serious (a single site losing a million records is a SEV1):
/// <list type="bullet">
/// <item>SEV1: 100 or more sites, or 100 or more customers, or 1,000,000 or more records at risk;</item>
/// <item>SEV2: 10 or more sites, or 10 or more customers, or 10,000 or more records;</item>
/// <item>SEV3: any site, customer or record affected;</item>
/// <item>SEV4: nothing measured yet.</item>
/// </list>
/// </summary>
public static class SeveritySuggestion
{
    public const int Sev1Sites = 100;
    public const int Sev1Customers = 100;
    public const long Sev1Records = 1_000_000;
    public const int Sev2Sites = 10;
    public const int Sev2Customers = 10;
    public const long Sev2Records = 10_000;

    public static SuggestedSeverity Suggest(MeasuredImpact impact)
    {
        ArgumentNullException.ThrowIfNull(impact);
        if (impact.SitesAffected < 0 || impact.CustomersAffected < 0 || impact.RecordsAtRisk < 0)
        {
            throw new PlatformException(PlatformErrorKind.Invalid,
                $"measured impact cannot be negative (sites {impact.SitesAffected}, customers {impact.CustomersAffected}, records {impact.RecordsAtRisk}): give counts of 0 or more.");
        }

        var measures = $"{impact.SitesAffected} sites, {impact.CustomersAffected} customers, {impact.RecordsAtRisk} records at risk";
        if (impact.SitesAffected >= Sev1Sites || impact.CustomersAffected >= Sev1Customers || impact.RecordsAtRisk >= Sev1Records)
        {
            return new(IncidentSeverity.Sev1, $"{measures}: at or above SEV1's {Sev1Sites} sites, {Sev1Customers} customers or {Sev1Records} records");
        }

        if (impact.SitesAffected >= Sev2Sites || impact.CustomersAffected >= Sev2Customers || impact.RecordsAtRisk >= Sev2Records)
        {
            return new(IncidentSeverity.Sev2, $"{measures}: at or above SEV2's {Sev2Sites} sites, {Sev2Customers} customers or {Sev2Records} records");
        }

        return impact.SitesAffected > 0 || impact.CustomersAffected > 0 || impact.RecordsAtRisk > 0
            ? new(IncidentSeverity.Sev3, $"{measures}: some impact, below SEV2's thresholds")
            : new(IncidentSeverity.Sev4, $"{measures}: no impact measured yet");
    }
}
