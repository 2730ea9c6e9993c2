using System.Globalization;
using System.Text.Json;
using Lifeboat.Platform;
using Lifeboat.Retrospectives.Drafting;

namespace Lifeboat.Retrospectives.Actions;

/// <summary>
/// Compares a drill report (docs/drill-report.md, <c>lifeboat.drill-report/1</c>) with the incident an action came from.
/// recover-faster: the drill's <c>rto_seconds</c> (first deletion → the last affected site restored and validated) against the
/// incident's time to every site restored and validated (the first damage → the last site validated); when the two restored
/// different numbers of sites, each is divided by its own number of sites and seconds per site are compared, so a small drill
/// is not said to beat a large incident only because it had less to restore. detect-sooner: the drill's
/// <c>detection_seconds</c> against the incident's time to detect. The drill beats the incident only when its figure is lower.
/// </summary>
internal static class DrillComparison
{
    public const string Schema = "lifeboat.drill-report/1";

    public sealed record Outcome(bool Beats, string Words);

    public static JsonElement Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "the drill report is empty: give the drill-report.json that lifeboat drill --report-dir wrote. Nothing was changed.");
        }

        JsonElement report;
        try
        {
            using var document = JsonDocument.Parse(json);
            report = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the drill report is not JSON ({e.Message}): give the drill-report.json that lifeboat drill --report-dir wrote. Nothing was changed.");
        }

        var schema = report.ValueKind == JsonValueKind.Object && report.TryGetProperty("schema", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        if (schema != Schema)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the drill report's schema is '{schema ?? "missing"}', not '{Schema}' (docs/drill-report.md): give a report of this Lifeboat's drill. Nothing was changed.");
        }

        if (!report.TryGetProperty("complete", out var complete) || complete.ValueKind != JsonValueKind.True)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "the drill report says the drill was interrupted (complete is not true): its figures cover part of a drill; run the drill to its end. Nothing was changed.");
        }

        return report;
    }

    /// <summary>When the drill ran to its end, if the report says.</summary>
    public static DateTimeOffset? FinishedAt(JsonElement report) =>
        report.TryGetProperty("finished_at", out var f) && f.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(f.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    public static Outcome Compare(ActionKind kind, JsonElement report, GatheredFigures incident) => kind switch
    {
        ActionKind.RecoverFaster => RecoverFaster(report, incident),
        ActionKind.DetectSooner => DetectSooner(report, incident),
        _ => throw new PlatformException(PlatformErrorKind.Invalid,
            $"a drill measures detection and recovery, so it can close only a detect-sooner or recover-faster action, not a {RetrospectiveNames.Of(kind)} one: close it with evidence instead. Nothing was changed."),
    };

    private static Outcome RecoverFaster(JsonElement report, GatheredFigures incident)
    {
        var figure = incident.Get(FigureKeys.EverySiteRestored);
        var incidentSeconds = figure.Seconds ?? throw new PlatformException(PlatformErrorKind.Conflict,
            $"the incident's time to every site restored and validated is unknown ({figure.Why}), so no drill can be said to beat it: close the action with other evidence. Nothing was changed.");
        var drillSeconds = Number(report, "rto_seconds", "the drill did not restore and validate every affected site (rto_seconds is null)");
        var drillSites = (int)Number(report, "sites_restored", "the report does not say how many sites the drill restored (sites_restored)");
        if (drillSites < 1)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, "the drill restored no site (sites_restored is 0), so it measured no recovery. Nothing was changed.");
        }

        var sites = Math.Max(1, incident.SitesAffected);
        if (drillSites == sites)
        {
            return new Outcome(drillSeconds < incidentSeconds, string.Create(CultureInfo.InvariantCulture,
                $"the drill restored and validated {drillSites} sites in {Durations.Words(TimeSpan.FromSeconds(drillSeconds))}; the incident's {sites} took {Durations.Words(TimeSpan.FromSeconds(incidentSeconds))}"));
        }

        var drillPerSite = drillSeconds / drillSites;
        var incidentPerSite = incidentSeconds / sites;
        return new Outcome(drillPerSite < incidentPerSite, string.Create(CultureInfo.InvariantCulture,
            $"per site (the sizes differ): the drill {drillPerSite:0.###} s per site ({drillSites} sites in {drillSeconds:0.###} s); the incident {incidentPerSite:0.###} s per site ({sites} sites in {incidentSeconds:0.###} s)"));
    }

    private static Outcome DetectSooner(JsonElement report, GatheredFigures incident)
    {
        var figure = incident.Get(FigureKeys.TimeToDetect);
        var incidentSeconds = figure.Seconds ?? throw new PlatformException(PlatformErrorKind.Conflict,
            $"the incident's time to detect is unknown ({figure.Why}), so no drill can be said to beat it: close the action with other evidence. Nothing was changed.");
        var drillSeconds = Number(report, "detection_seconds", "the drill's deletions were not detected (detection_seconds is null)");
        return new Outcome(drillSeconds < incidentSeconds, string.Create(CultureInfo.InvariantCulture,
            $"the drill detected the damage in {drillSeconds:0.###} s; the incident in {incidentSeconds:0.###} s"));
    }

    private static double Number(JsonElement report, string field, string whenMissing) =>
        report.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new PlatformException(PlatformErrorKind.Invalid, $"{whenMissing}: a drill that measured nothing cannot close the action. Nothing was changed.");
}
