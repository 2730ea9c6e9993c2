using System.Globalization;
using System.Text;
using Lifeboat.Incidents;

namespace Lifeboat.Server.Notifications;

/// <summary>What responders are told when an incident is declared: the same words by mail and in chat.</summary>
public sealed record DeclarationNotice(string Subject, string Body)
{
    public static DeclarationNotice Of(Incident incident, Uri? console)
    {
        var severity = IncidentNames.Of(incident.Severity);
        var subject = $"[{severity}] {incident.Id} declared: {incident.Title}";
        var body = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{severity} {incident.Type} incident {incident.Id} was declared by {incident.DeclaredBy} at {incident.DeclaredAt:u}.")
            .AppendLine(CultureInfo.InvariantCulture, $"Title: {incident.Title}")
            .AppendLine(CultureInfo.InvariantCulture, $"Phase: {IncidentNames.Of(incident.Phase)}; visibility: {IncidentNames.Of(incident.Visibility)}.");
        if (incident.Alert is { } alert)
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"Alert: {alert}");
        }

        if (incident.Plan is { } plan)
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"Change plan: {plan}");
        }

        if (incident.Sites.Count > 0)
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"Sites affected: {incident.Sites.Count} ({string.Join(", ", incident.Sites.Take(5))}{(incident.Sites.Count > 5 ? ", …" : "")})");
        }

        body.AppendLine(console is null
            ? $"Open it: lifeboat incident show {incident.Id}"
            : $"Incident room: {new Uri(console, $"incidents/{incident.Id}")}");
        return new DeclarationNotice(subject, body.ToString());
    }
}
