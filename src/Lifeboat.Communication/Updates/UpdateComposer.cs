using System.Globalization;
using System.Text.Json;
using Lifeboat.Communication.Figures;
using Lifeboat.Communication.Internal;
using Lifeboat.Communication.Templates;
using Lifeboat.Incidents;

namespace Lifeboat.Communication.Updates;

/// <summary>A customer as an update names them: the account and the sites of it the incident affects.</summary>
internal sealed record CustomerScope(string Account, string Name, IReadOnlyList<Lifeboat.Platform.SiteId> Sites);

/// <summary>What a composed update says: its label, subject, body, and the figures it was bound to (as kept beside it).</summary>
internal sealed record ComposedUpdate(string Label, string Subject, string Body, string FiguresJson);

/// <summary>
/// Binds an update to the figures: the label from the phase and the share restored, the template's variables from the
/// computed figures (never from what a person typed, save the message), the body opening with the label.
/// </summary>
internal static class UpdateComposer
{
    public static string Label(UpdatePhase phase, RecoveryFigures scope) => phase switch
    {
        UpdatePhase.Restoring => $"[Restoring {scope.SharePercent}%]",
        _ => $"[{phase}]",
    };

    public static ComposedUpdate Compose(CommunicationOptions options, Incident incident, UpdatePhase phase, string language, string template,
        string message, RecoveryFigures figures, CustomerScope? customer, int? corrects)
    {
        var scope = customer is null ? figures : figures.ForSites(customer.Sites);
        var label = Label(phase, scope);
        var text = FigureText.Of(language);
        var model = Model(options, incident, phase, label, message, figures, scope, customer, corrects, text);
        var rendered = options.Templates.Render(language, template, model);
        var body = $"{label} {rendered}";
        var title = customer is null ? incident.Title : $"{customer.Name}: {incident.Title}";
        var subject = $"{label} {title}";
        return new ComposedUpdate(label, subject.Length > 300 ? subject[..300] : subject, body, FiguresJson(scope, customer));
    }

    private static Dictionary<string, object?> Model(CommunicationOptions options, Incident incident, UpdatePhase phase, string label, string message,
        RecoveryFigures all, RecoveryFigures scope, CustomerScope? customer, int? corrects, FigureText text)
    {
        var eta = all.Eta;
        return new(StringComparer.Ordinal)
        {
            ["phase"] = label,
            ["phase_name"] = text.Phase(phase),
            ["message"] = message,
            ["incident"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["id"] = incident.Id.Value,
                ["title"] = incident.Title,
                ["severity"] = incident.Severity.ToString(),
                ["declared_at"] = incident.DeclaredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            },
            ["sites"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["affected"] = all.SitesAffected,
                ["restored"] = all.SitesRestored,
                ["left"] = all.SitesAffected - all.SitesRestored,
                ["share"] = all.SharePercent,
            },
            ["restore"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["eta"] = text.Eta(eta),
                ["eta_low_minutes"] = eta is null ? "" : (int)Math.Ceiling(eta.Low.TotalMinutes),
                ["eta_high_minutes"] = eta is null ? "" : (int)Math.Ceiling(eta.High.TotalMinutes),
                ["pace"] = eta is null or { SitesPerMinute: 0 } ? "" : eta.SitesPerMinute.ToString("0.#", CultureInfo.InvariantCulture),
            },
            ["data_loss"] = text.LossSummary(scope.Sites),
            ["confidence"] = text.Confidence(scope.Confidence),
            ["confidence_code"] = scope.Confidence.ToString().ToLowerInvariant(),
            ["customer"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["id"] = customer?.Account ?? "",
                ["name"] = customer?.Name ?? "",
                ["sites_affected"] = customer is null ? "" : scope.SitesAffected,
                ["sites_restored"] = customer is null ? "" : scope.SitesRestored,
                ["sites"] = customer is null ? new List<object?>() : scope.Sites.Select(s => (object?)new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["id"] = s.Site.Value,
                    ["name"] = s.Name ?? s.Site.Value,
                    ["state"] = text.State(s.RestoreState),
                    ["data_loss"] = text.Loss(s.Loss),
                    ["confidence"] = text.Confidence(s.Loss.Confidence),
                }).ToList(),
            },
            ["corrects"] = corrects is { } n ? n : "",
            ["support"] = new Dictionary<string, object?>(StringComparer.Ordinal) { ["email"] = options.SupportEmail, ["url"] = options.SupportUrl },
            ["status_url"] = options.StatusUrl,
        };
    }

    /// <summary>The figures kept beside the update: what it was bound to, so a reader can see where each number came from.</summary>
    private static string FiguresJson(RecoveryFigures scope, CustomerScope? customer) => JsonSerializer.Serialize(new
    {
        at = scope.At,
        sitesAffected = scope.SitesAffected,
        sitesRestored = scope.SitesRestored,
        share = scope.SharePercent,
        confidence = scope.Confidence,
        eta = scope.Eta is { } eta ? new { lowMinutes = Math.Ceiling(eta.Low.TotalMinutes), highMinutes = Math.Ceiling(eta.High.TotalMinutes), sitesLeft = eta.SitesLeft, sitesPerMinute = eta.SitesPerMinute } : null,
        account = customer?.Account,
        sites = scope.Sites.Select(s => new { site = s.Site.Value, name = s.Name, state = s.RestoreState, loss = s.Loss.Confidence, lostAfter = s.Loss.LostAfter, cause = s.Loss.Cause }),
    }, CommsJson.Options);
}
